/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-bridged's clients: one acrn-dm connection = one VM, as one open
 * /dev/acrn_hsm is. Requests are HSM ioctls; the multiplexer turns them into
 * hypercalls through the board, and does what the HSM driver does on its
 * own: ioreq page and SET_IOREQ_BUFFER at CREATE_VM, PENDING -> PROCESSING
 * and a notification on upcalls, ioeventfd (asyncio) and irqfd, and cleanup
 * (DESTROY_VM, zeroed memory) when the connection closes.
 */
#ifndef ACRN_BRIDGE_MUX_H
#define ACRN_BRIDGE_MUX_H

#include <glib.h>

#include "alloc.h"
#include "board.h"

struct bridge_mux {
	struct bridge_board *board;
	GMutex lock; /* clients, alloc */
	GPtrArray *clients;
	struct bridge_alloc alloc;
	uint64_t generation; /* of the board boot alloc belongs to */
};

void bridge_mux_init(struct bridge_mux *m, struct bridge_board *b);
/* Serve one connected client until it leaves; takes @sock. */
void bridge_mux_serve(struct bridge_mux *m, int sock);
/* Serve @sock on a thread of its own. */
void bridge_mux_spawn(struct bridge_mux *m, int sock);
/* Handle one request (for tests): the reply header and payload, and a descriptor to send (or -1). */
int bridge_mux_handle(struct bridge_mux *m, void *client, const struct acrn_bridge_msg *req,
                      const void *payload, int fd, void *out, uint32_t *out_len, int *out_fd);
void *bridge_mux_client_new(struct bridge_mux *m);
void bridge_mux_client_free(struct bridge_mux *m, void *client);

#endif
