/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The multiplexer's client protocol (api/include/acrn/bridge.h): framing of
 * struct acrn_bridge_msg with its payload and an optional file descriptor,
 * and which payload each request op takes. acrn-dm's board transport
 * (dm/core/transport_board.c) compiles this file too: one codec, both ends.
 */
#ifndef ACRN_BRIDGE_PROTO_H
#define ACRN_BRIDGE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <acrn/bridge.h>

/* Payload size of request @op, or -ENOTTY for an op the multiplexer does not know. */
int bridge_proto_request_len(uint16_t op);
/* Whether request @op must carry a file descriptor. */
int bridge_proto_request_fd(uint16_t op);
/*
 * Check a received request header: known op, exact length, flags 0, a
 * descriptor iff the op takes one. 0 or a negative errno for the reply.
 */
int bridge_proto_check(const struct acrn_bridge_msg *m, int fd);
/* Send header + payload (+ @fd if >= 0). */
int bridge_msg_send(int sock, const struct acrn_bridge_msg *m, const void *payload, int fd);
/*
 * Receive one message: header into @m, payload (at most @max bytes, else
 * -EMSGSIZE, and the stream is lost) into @payload, a passed descriptor into
 * @fd (-1 if none; extra descriptors are closed). -ECONNRESET on EOF.
 */
int bridge_msg_recv(int sock, struct acrn_bridge_msg *m, void *payload, size_t max, int *fd);
/* A connected close-on-exec stream socket to @path, or -ENAMETOOLONG / -errno. */
int bridge_unix_connect(const char *path);

#endif
