#include "systemd_unit.h"

#include <fmt/format.h>

namespace cohort {

std::string SystemdQuote(const std::string& word) {
  std::string out;
  bool quote = word.empty() || word.find_first_of(" \t\"'\\;") != std::string::npos;
  for (char c : word) {
    if (c == '%')
      out += "%%";
    else if (c == '$')
      out += "$$";
    else if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else
      out.push_back(c);
  }
  return quote ? "\"" + out + "\"" : out;
}

std::string SystemdUnitName(const StartupSpec& spec) {
  return spec.system ? fmt::format("cohort-{}.service", spec.user) : "cohort.service";
}

std::string SystemdUnitPath(const StartupSpec& spec, const std::string& user_home) {
  if (spec.system) return "/etc/systemd/system/" + SystemdUnitName(spec);
  return user_home + "/.config/systemd/user/" + SystemdUnitName(spec);
}

std::string SystemdUnit(const StartupSpec& s) {
  std::string bin = SystemdQuote(s.cohort_bin);
  std::string unit = fmt::format(
      "[Unit]\n"
      "Description=cohort daemon of {} ({})\n",
      s.user, s.home);
  if (s.system) unit += "After=network-online.target\nWants=network-online.target\n";
  unit += "\n[Service]\nType=notify\n";
  if (s.system) unit += fmt::format("User={}\n", s.user);
  unit += fmt::format(
      "Environment={}\n"
      "Environment={}\n"
      "ExecStart={} daemon\n"
      "# '-': nothing saved yet is not a failure of the daemon\n"
      "ExecStartPost=-{} resurrect\n"
      "ExecStop={} kill\n"
      "# SIGTERM to the daemon only: it stops its apps gracefully\n"
      "KillMode=mixed\n"
      "TimeoutStopSec=90\n"
      "Restart=on-failure\n"
      "RestartSec=1\n"
      "LimitNOFILE=infinity\n"
      "\n[Install]\n"
      "WantedBy={}\n",
      SystemdQuote("COHORT_HOME=" + s.home), SystemdQuote("PATH=" + s.path_env), bin, bin, bin,
      s.system ? "multi-user.target" : "default.target");
  return unit;
}

}  // namespace cohort
