#include "models/sim/dispatcher.h"

#include <stdexcept>

namespace sim {

void Dispatcher::scheduled_in_past() {
  throw std::logic_error("event scheduled in the past");
}

}  // namespace sim
