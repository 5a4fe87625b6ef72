#include "models/base/input_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "models/base/input_error.h"

namespace sim {

std::string human_bytes(uint64_t b) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (u < 4 && b >= 1024 && b % 1024 == 0) {
    b /= 1024;
    ++u;
  }
  return std::to_string(b) + " " + units[u];
}

void check_input_file(const std::string& path, const InputFileKind& kind, const std::string& key) {
  auto fail = [&](const std::string& msg) { throw InputError({path, 0, 0}, key, msg); };
  if (path.empty()) fail(std::string("expected the name of a ") + kind.what);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    fail(std::string("cannot open the ") + kind.what + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) fail(std::string("a folder, not a ") + kind.what);
  if (!S_ISREG(st.st_mode))
    fail(std::string("not a regular file (") +
         (S_ISFIFO(st.st_mode)   ? "a FIFO"
          : S_ISCHR(st.st_mode)  ? "a character device"
          : S_ISBLK(st.st_mode)  ? "a block device"
          : S_ISSOCK(st.st_mode) ? "a socket"
                                 : "not a plain file") +
         "); a " + kind.what + " must be a regular file");
  if (uint64_t(st.st_size) > kind.limit)
    fail(std::string("the file is ") + std::to_string(uint64_t(st.st_size)) +
         " bytes, over the limit of " + human_bytes(kind.limit) + " for a " + kind.what);
}

std::string read_input_file(const std::string& path, const InputFileKind& kind,
                            const std::string& key) {
  check_input_file(path, kind, key);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError({path, 0, 0}, key, std::string("cannot open the ") + kind.what);
  std::string text;
  char buf[65536];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) {
    text.append(buf, size_t(f.gcount()));
    if (text.size() > kind.limit)
      throw InputError({path, 0, 0}, key,
                       std::string("the file grew over the limit of ") + human_bytes(kind.limit) +
                           " for a " + kind.what + " while it was read");
  }
  return text;
}

}  // namespace sim
