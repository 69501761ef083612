/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: bytes from one client of acrnd's libvirt binding, through
 * framing, the XDR decoder, the dispatcher and the events, on a stub core.
 * The first byte picks the client: bit 0 read-write, bit 1 already opened.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lv_priv.h"

struct acrnd_manager *stub_manager(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acrnd_libvirt *srv;
	struct lv_client *c;

	if (!srv) {
		/* No sockets: clients are fed directly. */
		srv = g_new0(struct acrnd_libvirt, 1);
		srv->mgr = stub_manager();
		srv->session = true;
		srv->listen_fd[0] = srv->listen_fd[1] = -1;
		srv->next_dom_id = 1;
		srv->vminfo = g_hash_table_new_full(NULL, NULL, NULL, g_free);
		lv_events_subscribe(srv);
	}
	stub_manager(); /* an input may have undefined the VMs */
	if (!size)
		return 0;
	c = lv_client_new(srv, -1, true);
	c->may_write = data[0] & 1;
	c->readonly = !c->may_write;
	c->opened = data[0] & 2;
	lv_client_feed(c, data + 1, size - 1);
	lv_client_close(c, NULL);
	return 0;
}
