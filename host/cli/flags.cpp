// Configuration fields and the flags that set them (host/core/error.h: errors below host/cli
// name fields, the command line names flags).
#include <map>
#include <string>

#include "host/cli/commands.h"

namespace grl::cli {

std::string flag_for(const std::string& field) {
  // The fields whose flag is not "--" + the field with '-' for '_'.
  static const std::map<std::string, std::string> kExceptions = {
      {"aggregator", "--aggr"},
      {"save_path", "--save"},
      {"metapaths", "--metapath"},
      {"train_ratios", "--train-ratio"},
  };
  auto it = kExceptions.find(field);
  if (it != kExceptions.end()) return it->second;
  std::string flag = "--" + field;
  for (char& ch : flag)
    if (ch == '_') ch = '-';
  return flag;
}

}  // namespace grl::cli
