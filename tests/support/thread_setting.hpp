// Restores the thread setting (plexus::set_num_threads) that a test changes, however it ends.
#pragma once

#include "plexus/cpu/threads.hpp"

namespace plexus::testing {

class ThreadSetting {
 public:
  ThreadSetting() : before_(num_threads()) {}
  ~ThreadSetting() { set_num_threads(before_); }
  ThreadSetting(const ThreadSetting&) = delete;
  ThreadSetting& operator=(const ThreadSetting&) = delete;

 private:
  int before_;
};

}  // namespace plexus::testing
