// Entry point of every core test binary (no SystemC linked, so a plain main).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
