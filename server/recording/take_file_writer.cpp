#include "recording/take_file_writer.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

#include <openssl/evp.h>

#include "util/log.hpp"

namespace controlroom::server {

struct take_file_writer::file {
  std::string final_path;
  int fd = -1;
  std::uint64_t size = 0;
  EVP_MD_CTX* sha = nullptr;
  std::string error;  // the first failure; the file is then incomplete

  ~file() {
    if (fd >= 0) {
      ::close(fd);
    }
    EVP_MD_CTX_free(sha);
  }
};

take_file_writer::take_file_writer(std::size_t queue_limit)
    : queue_limit_(queue_limit), thread_([this] { run(); }) {}

take_file_writer::~take_file_writer() {
  stop();
}

void take_file_writer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::size_t take_file_writer::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

take_file_writer::file_id take_file_writer::open(std::string final_path) {
  std::lock_guard lock(mutex_);
  const auto id = next_id_++;
  // Opening and closing are never refused: they are few, and a file must
  // always be closed (and reported) once opened.
  queue_.push_back({job::kind::open, id, std::move(final_path), {}, {}});
  wake_.notify_one();
  return id;
}

bool take_file_writer::append(file_id id, std::vector<std::uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  if (queue_.size() >= queue_limit_) {
    refused_.push_back(id);
    return false;
  }
  queue_.push_back({job::kind::append, id, {}, std::move(bytes), {}});
  wake_.notify_one();
  return true;
}

void take_file_writer::close(file_id id, std::function<void(closed_file)> done) {
  std::lock_guard lock(mutex_);
  queue_.push_back({job::kind::close, id, {}, {}, std::move(done)});
  wake_.notify_one();
}

void take_file_writer::run() {
  for (;;) {
    job j;
    std::vector<file_id> refused;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping, and everything queued is done
      }
      j = std::move(queue_.front());
      queue_.pop_front();
      refused.swap(refused_);
    }
    for (const auto id : refused) {
      if (const auto it = files_.find(id); it != files_.end() && it->second->error.empty()) {
        it->second->error = "the disk queue was full; bytes were dropped";
      }
    }
    handle(j);
  }
}

void take_file_writer::handle(job& j) {
  switch (j.what) {
    case job::kind::open: {
      auto f = std::make_unique<file>();
      f->final_path = std::move(j.path);
      f->sha = EVP_MD_CTX_new();
      EVP_DigestInit_ex(f->sha, EVP_sha256(), nullptr);
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(f->final_path).parent_path(), ec);
      const auto partial = f->final_path + ".partial";
      f->fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
      if (f->fd < 0) {
        f->error = "cannot create " + partial + ": " + std::strerror(errno);
        log::error(log_subsystem::recording, {}, f->error);
      }
      files_[j.id] = std::move(f);
      return;
    }
    case job::kind::append: {
      const auto it = files_.find(j.id);
      if (it == files_.end() || it->second->fd < 0) {
        return;
      }
      auto& f = *it->second;
      std::size_t done = 0;
      while (done < j.bytes.size()) {
        const auto n = ::write(f.fd, j.bytes.data() + done, j.bytes.size() - done);
        if (n < 0 && errno == EINTR) {
          continue;
        }
        if (n <= 0) {
          if (f.error.empty()) {
            f.error = std::string("write failed: ") + std::strerror(errno);
            log::error(log_subsystem::recording, {}, f.final_path, ": ", f.error);
          }
          return;
        }
        done += static_cast<std::size_t>(n);
      }
      EVP_DigestUpdate(f.sha, j.bytes.data(), j.bytes.size());
      f.size += j.bytes.size();
      return;
    }
    case job::kind::close: {
      closed_file out;
      const auto it = files_.find(j.id);
      if (it == files_.end()) {
        out.error = "unknown file";
      } else {
        auto& f = *it->second;
        out.size = f.size;
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        EVP_DigestFinal_ex(f.sha, digest, &len);
        static constexpr char hex[] = "0123456789abcdef";
        for (unsigned i = 0; i < len; ++i) {
          out.sha256 += hex[digest[i] >> 4];
          out.sha256 += hex[digest[i] & 0xf];
        }
        const auto partial = f.final_path + ".partial";
        if (f.fd >= 0 && ::fdatasync(f.fd) != 0 && f.error.empty()) {
          f.error = std::string("fdatasync failed: ") + std::strerror(errno);
        }
        if (f.fd >= 0) {
          ::close(f.fd);
          f.fd = -1;
        }
        // Only a whole take gets the final name; a damaged one stays
        // ".partial" so nobody mistakes it for complete.
        if (f.error.empty() && std::rename(partial.c_str(), f.final_path.c_str()) == 0) {
          out.ok = true;
          out.path = f.final_path;
        } else {
          out.path = partial;
          out.error =
              f.error.empty() ? std::string("rename failed: ") + std::strerror(errno) : f.error;
        }
        files_.erase(it);
      }
      if (j.done) {
        j.done(std::move(out));
      }
      return;
    }
  }
}

}  // namespace controlroom::server
