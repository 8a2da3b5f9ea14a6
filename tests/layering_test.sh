#!/bin/sh
# The layering rule of the top-level CMakeLists.txt: a folder includes headers only of the folders
# listed before it (and its own). Prints every violation; exit 1 if there is any.
# Usage: layering_test.sh SOURCE_DIR
set -eu
cd "$1"
order=$(sed -n 's/^foreach(dir \(.*\))$/\1/p' CMakeLists.txt | head -1)
[ -n "$order" ] || { echo "layering_test: no 'foreach(dir ...)' line in CMakeLists.txt"; exit 1; }
violations=0
allowed=""
for dir in $order; do
  allowed="$allowed $dir"
  [ -d "$dir" ] || continue
  used=$(grep -rhoE '#include "nce/[a-z_]+/' "$dir" --include='*.cpp' --include='*.hpp' 2>/dev/null |
         sed 's|#include "nce/||; s|/$||' | sort -u)
  for u in $used; do
    case " $allowed " in
      *" $u "*) ;;
      *) echo "$dir includes nce/$u, which is listed after it:"
         grep -rn "#include \"nce/$u/" "$dir" --include='*.cpp' --include='*.hpp' | head -3
         violations=$((violations + 1)) ;;
    esac
  done
done
[ $violations -eq 0 ] && echo "layering holds: $order"
[ $violations -eq 0 ]
