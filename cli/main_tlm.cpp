// iommu-sim: the command line. Every executable linking libsystemc defines sc_main.
#include <systemc>

#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "models/base/input_error.h"

namespace {

// SystemC reports must never reach stdout (it carries the summary and is compared).
void route_systemc_reports() {
  using namespace sc_core;
  sc_report_handler::set_handler([](const sc_report& r, const sc_actions& actions) {
    if (actions & SC_DISPLAY) std::cerr << sc_report_compose_message(r) << "\n";
    if (actions & SC_THROW) throw r;
  });
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
  sc_report_handler::set_actions(SC_WARNING, SC_DISPLAY);
  sc_report_handler::set_actions(SC_ERROR, SC_DISPLAY | SC_THROW);
  sc_report_handler::set_actions(SC_FATAL, SC_DISPLAY | SC_THROW);
}

int dispatch(int argc, char** argv) {
  sim::cli::Command command = nullptr;
  sim::cli::Args a;
  if (int rc = sim::cli::parse_command_line(argc, argv, command, a); rc >= 0) return rc;
  return command(a);
}

}  // namespace

int sc_main(int argc, char** argv) {
  route_systemc_reports();
  try {
    return dispatch(argc, argv);
  } catch (const sim::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const sc_core::sc_report& r) {
    std::cerr << "internal error (SystemC): " << r.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 3;
  }
}
