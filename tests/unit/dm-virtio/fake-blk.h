/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An in-memory double of the block layer (block.h): images named
 * "mem:NAME" are buffers the test creates; a queue runs its batch at kick
 * and reports completions through its eventfd, like the real queues.
 */
#ifndef FAKE_BLK_H
#define FAKE_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include <dm/block.h>

struct fake_disk {
	uint8_t *data;
	uint64_t size, next_size; /* next_size: what refresh() finds */
	bool fail_io;             /* every read/write fails with -EIO */
	bool discard;             /* the driver implements discard and write-zeroes */
	/* counters (atomic) */
	unsigned reads, writes, flushes, discards, wzeroes, wzeroes_unmap, kicks, max_batch;
	unsigned queues; /* blk_queue_new calls */
};

/* @discard: the driver implements discard and write-zeroes. */
struct fake_disk *fake_disk_add(const char *name, uint64_t size, bool discard);
void fake_disk_remove(const char *name);

#endif
