#!/usr/bin/env bash
# CTest discovers each doctest case by name and runs it with --test-case=NAME; a ';'
# in a name cuts it there (CMake lists), so the case would match nothing and pass
# without running. Names must not contain one.
cd "$(dirname "$0")/.." || exit 1
if grep -rn -A1 --include='*.cpp' 'TEST_CASE(' tests | grep -E 'TEST_CASE\("[^"]*;|^[^:]*-[0-9]+-\s*"[^"]*;'; then
  echo "a test case name above contains ';'"
  exit 1
fi
echo "test names ok"
