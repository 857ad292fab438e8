// Sizes as users type them, PM2-style (max_memory_restart, log sizes):
// "300M", "1G", "512K", "1.5G", "300MB", or a plain number of bytes. K, M
// and G are binary (1024) as in PM2; case does not matter.
#pragma once

#include <cstdint>
#include <string>

#include "status.h"

namespace cohort {

Result<uint64_t> ParseByteSize(const std::string& text);
// "850 B", "12.0 KB", "45.3 MB", "1.20 GB": for tables and log lines.
std::string FormatBytes(uint64_t bytes);

}  // namespace cohort
