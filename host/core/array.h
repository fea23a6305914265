// Array<T>: a contiguous array that either owns a std::vector or borrows memory kept alive by
// an owner (for example a memory-mapped file). Copies share the same storage, like a numpy
// view: graphs loaded with mmap are never copied.
#pragma once
#include <cstddef>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace grl {

template <class T>
class Array {
 public:
  Array() = default;
  explicit Array(std::vector<T> v) {
    auto owned = std::make_shared<std::vector<T>>(std::move(v));
    data_ = owned->data();
    size_ = owned->size();
    owner_ = std::move(owned);
  }
  Array(size_t n, const T& value) : Array(std::vector<T>(n, value)) {}
  // Borrows [data, data + n); `owner` keeps the memory alive.
  static Array borrowed(std::shared_ptr<void> owner, T* data, size_t n) {
    Array a;
    a.owner_ = std::move(owner);
    a.data_ = data;
    a.size_ = n;
    return a;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  std::span<T> span() { return {data_, size_}; }
  std::span<const T> span() const { return {data_, size_}; }
  std::vector<T> to_vector() const { return std::vector<T>(begin(), end()); }

 private:
  std::shared_ptr<void> owner_;
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace grl
