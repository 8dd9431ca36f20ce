# shellcheck shell=bash
# Sourced by the benchmark scripts: how busy the machine is, so a figure taken beside other
# work is reported as such.

# Share of all CPUs busy over 2 s: unlike the load average, not inflated by the build above.
cpu_busy() {
  local a b
  read -ra a < <(grep '^cpu ' /proc/stat)
  sleep 2
  read -ra b < <(grep '^cpu ' /proc/stat)
  local idle=$((b[4] + b[5] - a[4] - a[5])) total=0 i
  for ((i = 1; i < ${#b[@]}; ++i)); do total=$((total + b[i] - a[i])); done
  echo $((100 * (total - idle) / (total > 0 ? total : 1)))
}
