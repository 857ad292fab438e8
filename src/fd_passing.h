// Passing file descriptors over unix sockets (SCM_RIGHTS): the one place
// that builds and reads control messages. Both calls retry EINTR and never
// raise SIGPIPE; received fds are close-on-exec.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

namespace cohort {

// sendmsg() of `len` bytes with `fd` attached (none if fd < 0). Returns bytes
// sent or -1 with errno. The fd rides with the first byte sent.
ssize_t SendWithFd(int sock, const void* data, size_t len, int fd, int flags = 0);
// recvmsg() into `buf`; fds that came along are appended to `fds` (owned by
// the caller). Returns bytes read, 0 at EOF, or -1 with errno.
ssize_t RecvWithFds(int sock, void* buf, size_t len, std::vector<int>* fds, int flags = 0);

}  // namespace cohort
