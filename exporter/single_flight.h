// SingleFlight: concurrent calls with the same key share one run. A call that arrives while a run for its key is
// in flight waits for that run and gets its result; the next call after it finishes starts a new run. Used by
// /metrics (one key) and /probe (one key per target), so N simultaneous scrapers cost upstream one round.
// `run` must not throw (wrap it); a run's result is shared read-only. Thread-safe.
#pragma once

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace patroni_exporter {

template <typename Result>
class SingleFlight {
 public:
  std::shared_ptr<const Result> Do(const std::string& key, const std::function<std::shared_ptr<const Result>()>& run) {
    std::promise<std::shared_ptr<const Result>> promise;
    std::unique_lock<std::mutex> lock(mutex_);
    if (auto it = in_flight_.find(key); it != in_flight_.end()) {
      auto shared = it->second;
      lock.unlock();
      return shared.get();
    }
    in_flight_.emplace(key, promise.get_future().share());
    lock.unlock();
    std::shared_ptr<const Result> result = run();
    lock.lock();
    in_flight_.erase(key);
    lock.unlock();
    promise.set_value(result);
    return result;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_future<std::shared_ptr<const Result>>> in_flight_;
};

}  // namespace patroni_exporter
