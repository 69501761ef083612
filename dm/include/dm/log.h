/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm's messages, on stderr as "acrn-dm: VMNAME: text" (the prefix is
 * set once the VM has a name). Never exits: callers return errors.
 */
#ifndef DM_LOG_H
#define DM_LOG_H

enum dm_log_level {
	DM_LOG_ERR,
	DM_LOG_WARN,
	DM_LOG_INFO,
	DM_LOG_DEBUG
};

void dm_log_set_level(enum dm_log_level level);
void dm_log_set_prefix(const char *vm_name);
void dm_log(enum dm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define dm_err(...)  dm_log(DM_LOG_ERR, __VA_ARGS__)
#define dm_warn(...) dm_log(DM_LOG_WARN, __VA_ARGS__)
#define dm_info(...) dm_log(DM_LOG_INFO, __VA_ARGS__)
#define dm_dbg(...)  dm_log(DM_LOG_DEBUG, __VA_ARGS__)

#endif
