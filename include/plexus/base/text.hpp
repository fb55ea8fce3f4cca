// Text for messages: numbers, a list of names, and the error of every lookup by name ("unknown loss
// \"x\"; known: mse, mae"), so that the registries and the command word them alike.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace plexus {

/// `items` joined with ", "; past `limit` of them, the rest is only counted:
/// join({"a", "b", "c"}, 2) is "a, b, ... (3 in all)".
std::string join(const std::vector<std::string>& items,
                 size_t limit = std::numeric_limits<size_t>::max());

/// A number with 9 significant digits, as printf's %.9g ("nan" for NaN): enough to read a float
/// back exactly, short for round values ("0.001", "42").
std::string number_text(double value);

/// The message of a failed lookup: unknown_name_message("loss", "x", {"mse", "mae"}) is
/// `unknown loss "x"; known: mse, mae`.
std::string unknown_name_message(std::string_view kind, std::string_view name,
                                 const std::vector<std::string>& known);

}  // namespace plexus
