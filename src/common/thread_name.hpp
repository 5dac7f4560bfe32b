#pragma once
// Names the calling thread (as `top -H`, `ps -L`, perf and debuggers show it). Linux keeps 15 characters;
// longer names are cut. Best effort: a failure changes nothing else.
#include <string_view>

namespace ik {
void NameThisThread(std::string_view name);
}  // namespace ik
