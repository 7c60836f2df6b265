#include "util/realtime.hpp"

#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

namespace controlroom::server {

std::string make_realtime(std::thread& thread, int priority) {
  sched_param param{};
  param.sched_priority = priority;
  const int rc = ::pthread_setschedparam(thread.native_handle(), SCHED_FIFO, &param);
  if (rc == 0) {
    return {};
  }
  std::string why = std::strerror(rc);
  if (rc == EPERM) {
    rlimit limit{};
    ::getrlimit(RLIMIT_RTPRIO, &limit);
    why += " (RLIMIT_RTPRIO is " + std::to_string(limit.rlim_cur) +
           "; grant CAP_SYS_NICE or raise it to at least " + std::to_string(priority) +
           ": LimitRTPRIO= in the systemd unit, --ulimit rtprio= for a container)";
  }
  return why;
}

}  // namespace controlroom::server
