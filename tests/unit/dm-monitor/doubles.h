/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_MONITOR_DOUBLES_H
#define TEST_MONITOR_DOUBLES_H

#include <string.h>

#include <dm/vm.h>

struct blk_image;

/* A virtio-blk disk for dm_blk_foreach and friends. */
struct double_disk {
	const char *id;
	struct blk_image *img;
};

/* What the monitor asked the VM to do, and what the doubles answer. */
struct doubles {
	struct double_disk disks[4];
	unsigned ndisks;
	int quiesce_calls, unquiesce_calls;
	/* Optional: what the device does when quiesced/released and when switched. */
	void (*quiesce)(struct double_disk *d, bool on);
	int (*replace)(struct double_disk *d, struct blk_image *img);
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
