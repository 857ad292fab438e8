// UvHandle<T>: owns one libuv handle (uv_poll_t, uv_timer_t, ...).
//
// libuv frees nothing itself and a handle's memory must stay valid until its
// close callback has run, which happens on a later loop iteration. So the
// handle lives on the heap; the destructor calls uv_close() and the close
// callback deletes it. The owner may die at any time without waiting for the
// loop. handle->data is the owner's to use and is cleared on close.
#pragma once

#include <uv.h>

namespace cohort {

template <typename T>
class UvHandle {
 public:
  UvHandle() : h_(new T{}) {}
  UvHandle(UvHandle&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  UvHandle& operator=(UvHandle&& o) noexcept {
    if (this != &o) {
      Close();
      h_ = o.h_;
      o.h_ = nullptr;
    }
    return *this;
  }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  ~UvHandle() { Close(); }

  T* get() const { return h_; }
  T* operator->() const { return h_; }
  uv_handle_t* handle() const { return reinterpret_cast<uv_handle_t*>(h_); }
  // True once uv_*_init succeeded (the loop knows the handle).
  bool initialized() const { return h_ && handle()->loop != nullptr; }

  void Close() {
    if (!h_) return;
    if (initialized()) {
      h_->data = nullptr;
      if (!uv_is_closing(handle())) {
        uv_close(handle(), [](uv_handle_t* h) { delete reinterpret_cast<T*>(h); });
      }
    } else {
      delete h_;
    }
    h_ = nullptr;
  }

 private:
  T* h_;
};

}  // namespace cohort
