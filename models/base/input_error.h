#pragma once
// A mistake in user input (scenario file, CLI flag, --set value): reported as
// "file:line:column: key: message" with exit code 2, never a crash.
#include <stdexcept>
#include <string>

namespace sim {

// Where a value came from: a file (1-based line/column) or a flag such as "--set".
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
};

class InputError : public std::runtime_error {
 public:
  InputError(SourceMark mark, std::string key, std::string message)
      : std::runtime_error(format(mark, key, message)),
        mark_(std::move(mark)),
        key_(std::move(key)),
        message_(std::move(message)) {}
  // An error with no position (a CLI flag that has no file).
  InputError(std::string key, std::string message)
      : InputError(SourceMark{}, std::move(key), std::move(message)) {}

  const SourceMark& mark() const { return mark_; }
  const std::string& key() const { return key_; }
  const std::string& message() const { return message_; }

  static std::string format(const SourceMark& m, const std::string& key, const std::string& msg) {
    std::string s;
    if (!m.file.empty()) {
      s.append(m.file);
      if (m.line > 0)
        s.append(":").append(std::to_string(m.line)).append(":").append(std::to_string(m.column));
      s.append(": ");
    }
    if (!key.empty()) s.append(key).append(": ");
    s.append(msg);
    return s;
  }

 private:
  SourceMark mark_;
  std::string key_;
  std::string message_;
};

}  // namespace sim
