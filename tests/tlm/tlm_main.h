#pragma once
// doctest entry for TLM module tests: libsystemc owns main(), so doctest runs from
// sc_main. CTest runs each case in its own process (a simulation cannot restart).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <systemc>

int sc_main(int argc, char** argv) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  doctest::Context ctx;
  ctx.applyCommandLine(argc, argv);
  return ctx.run();
}
