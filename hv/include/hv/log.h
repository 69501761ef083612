/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypervisor console log with levels. Lines are prefixed with the pCPU and
 * level so interleaved output from several pCPUs stays readable.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <hv/types.h>

enum log_level {
	LOG_ERR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
	LOG_LEVEL_MAX,
};

extern enum log_level log_threshold;

void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Raw console output, no prefix; used for guest console lines and crash reports. */
void console_write(const char *s, size_t len);

#define pr_err(...)   log_printf(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
