/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-bridged's side of the board: the mapped board RAM file, the COM2
 * doorbell socket (with a reader thread), the hello line, and hypercalls
 * through the header page's slots.
 */
#ifndef ACRN_BRIDGE_BOARD_H
#define ACRN_BRIDGE_BOARD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <acrn/bridge.h>

struct bridge_board {
	int ram_fd;
	uint8_t *ram; /* the whole board RAM file */
	uint64_t ram_len;
	char *com2_path;
	int com2_fd;
	unsigned timeout_ms; /* per hypercall */

	GMutex lock; /* everything below */
	GCond cond;  /* a slot finished, or the board went up or down */
	bool up;
	struct acrn_bridge_header *hdr;
	uint64_t boot_id;
	uint64_t generation; /* bumped whenever the board (re)appears */
	bool slot_busy[ACRN_BRIDGE_NR_SLOTS];
	bool slot_abandoned[ACRN_BRIDGE_NR_SLOTS];
	char line[128];
	size_t line_len;
	bool in_line;

	/* Called from the reader thread on every doorbell, without the lock. */
	void (*on_ring)(void *opaque);
	/* Called with the lock held when a new board boot said hello. */
	void (*on_boot)(void *opaque, uint64_t ram_size);
	void *opaque;
};

int bridge_board_open(struct bridge_board *b, const char *ram_path, const char *com2_path,
                      GError **error);
/* Start the thread that owns COM2 (connects, reconnects, reads). */
void bridge_board_start(struct bridge_board *b);
/* Wait up to @ms for the hello; 0 if the board is up. */
int bridge_board_wait_up(struct bridge_board *b, unsigned ms);
/* Host pointer of Service-VM [gpa, gpa+len), or NULL. Lock not needed: the block stays mapped. */
void *bridge_board_gpa(struct bridge_board *b, uint64_t gpa, uint64_t len);

/* A slot for one hypercall: its argument page, then call, then put. */
int bridge_board_slot_get(struct bridge_board *b);
void *bridge_board_slot_arg(struct bridge_board *b, int slot);
static inline uint64_t bridge_board_slot_arg_gpa(int slot)
{
	return ACRN_BRIDGE_ARG_GPA((unsigned)slot);
}
/* Post, ring, wait: the hypercall's result, -ETIMEDOUT or -EHOSTDOWN. */
int64_t bridge_board_slot_call(struct bridge_board *b, int slot, uint64_t id, uint64_t p1,
                               uint64_t p2);
void bridge_board_slot_put(struct bridge_board *b, int slot);
/* A hypercall with plain values in p1 and p2. */
int64_t bridge_board_slot_call_simple(struct bridge_board *b, uint64_t id, uint64_t p1,
                                      uint64_t p2);
/* A hypercall whose argument (if any) is @arg, in p1 (@arg_in_p1) or p2; @arg gets the result back. */
int64_t bridge_board_call(struct bridge_board *b, uint64_t id, uint64_t p1, void *arg,
                          size_t arg_len, bool arg_in_p1);

#endif
