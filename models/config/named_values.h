#pragma once
// A setting's names and the values they select, written once beside the setting: the
// loader reads a name through ConfigReader::choice (errors name file:line:column, the
// key and the closest name), and reports turn a value back into its name.
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sim {

template <class T>
class NamedValues {
 public:
  NamedValues() = default;
  NamedValues(std::initializer_list<std::pair<std::string_view, T>> rows) : rows_(rows) {}
  // A row more: for tables built from a registry (the names live as long as it does).
  void add(std::string_view name, T value) { rows_.emplace_back(name, std::move(value)); }

  // The names in table order (as a choice's error lists them).
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [n, v] : rows_) out.emplace_back(n);
    return out;
  }
  // The value of a name the table holds (a choice's result is always one).
  T value(std::string_view name) const {
    for (const auto& [n, v] : rows_)
      if (n == name) return v;
    throw std::logic_error("no value named '" + std::string(name) + "'");
  }
  // The first name of a value.
  std::string_view name(const T& value) const {
    for (const auto& [n, v] : rows_)
      if (v == value) return n;
    throw std::logic_error("a value without a name");
  }

 private:
  std::vector<std::pair<std::string_view, T>> rows_;
};

}  // namespace sim
