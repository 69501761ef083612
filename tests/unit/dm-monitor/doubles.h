/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_MONITOR_DOUBLES_H
#define TEST_MONITOR_DOUBLES_H

#include <string.h>

#include <dm/vm.h>

/* What the monitor asked the VM to do, and what the doubles answer. */
struct doubles {
	struct dm_vm *last_vm;
	int pause_calls, resume_calls, power_button_calls, power_requests, query_calls, blk_calls;
	enum dm_power power_what;
	int pause_rc, resume_rc, power_button_rc, blk_rc;
	bool query_null;
	char *blk_dev, *blk_path;
	GString *log; /* dm_log() lines */
};
extern struct doubles dbl;

void doubles_reset(void);

#endif
