#!/bin/sh
# Usage: expect_failure.sh <extended regex> <command> [<arg>...]
# Runs the command and passes (exit 0) only if it fails (non-zero exit status) AND its output,
# stdout and stderr together, has a line matching the regex: a check that must reject its input
# with a given message, so the test fails if the check goes away or says something else.
set -u
pattern="$1"
shift
out="$("$@" 2>&1)"
rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 0 ]; then
  echo "expect_failure: the command succeeded, but it must fail" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
  echo "expect_failure: the command failed (exit status $rc), but no line matches: $pattern" >&2
  exit 1
fi
echo "expect_failure: failed as expected (exit status $rc, message matched)"
