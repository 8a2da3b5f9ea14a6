"""`import nce` from the build tree, as docs/PYTHON.md says: PYTHONPATH=<build>/python, from any
working directory, without NCE_CONFIG_DIR. argv[1] is the build directory."""
import os
import sys

import nce

build = os.path.realpath(sys.argv[1])
print(nce.__version__, nce.module_file, nce.config_dir())
assert os.path.dirname(os.path.realpath(nce.module_file)) == os.path.join(build, "python"), nce.module_file
assert os.path.realpath(nce.config_dir()) == os.path.join(build, "share", "nce", "configs"), nce.config_dir()
assert nce.load_config().rows == 16
assert "resnet20" in nce.zoo_names()
print("import ok")
