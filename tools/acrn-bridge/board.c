/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "proto.h"

int bridge_board_open(struct bridge_board *b, const char *ram_path, const char *com2_path,
                      GError **error)
{
	struct stat st;

	memset(b, 0, sizeof(*b));
	g_mutex_init(&b->lock);
	g_cond_init(&b->cond);
	b->com2_fd = -1;
	b->timeout_ms = 10000;
	b->ram_fd = open(ram_path, O_RDWR | O_CLOEXEC);
	if (b->ram_fd < 0 || fstat(b->ram_fd, &st) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
		            "board RAM file %s: %s", ram_path, g_strerror(errno));
		return -errno;
	}
	b->ram_len = (uint64_t)st.st_size;
	b->ram = mmap(NULL, b->ram_len, PROT_READ | PROT_WRITE, MAP_SHARED, b->ram_fd, 0);
	if (b->ram == MAP_FAILED) {
		int err = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
		            "cannot map board RAM file %s (%" PRIu64 " bytes): %s", ram_path,
		            b->ram_len, g_strerror(err));
		return -err;
	}
	b->com2_path = g_strdup(com2_path);
	return 0;
}

void *bridge_board_gpa(struct bridge_board *b, uint64_t gpa, uint64_t len)
{
	struct acrn_bridge_header *h = b->hdr;

	if (!h || gpa > h->ram_size || len > h->ram_size - gpa)
		return NULL;
	return b->ram + h->ram_hpa + gpa;
}

/* "@ACRN-BRIDGE ver hpa size boot_id": check it against the RAM we mapped. */
static void take_hello(struct bridge_board *b, const char *line)
{
	unsigned ver;
	uint64_t hpa, size, boot_id;
	struct acrn_bridge_header *h;

	if (sscanf(line, ACRN_BRIDGE_HELLO " %x %" SCNx64 " %" SCNx64 " %" SCNx64, &ver, &hpa,
	           &size, &boot_id) != 4) {
		g_warning("bad hello line from the board: '%s'", line);
		return;
	}
	if (ver != ACRN_BRIDGE_VERSION || hpa % ACRN_BRIDGE_GRANULE || size > b->ram_len ||
	    hpa > b->ram_len - size || size < 2 * ACRN_BRIDGE_GRANULE) {
		g_warning("unusable hello from the board: version %u, block 0x%" PRIx64
		          "+0x%" PRIx64 " in %" PRIu64 " bytes of board RAM",
		          ver, hpa, size, b->ram_len);
		return;
	}
	h = (struct acrn_bridge_header *)(b->ram + hpa);
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != ACRN_BRIDGE_MAGIC ||
	    h->ram_hpa != hpa || h->ram_size != size || h->boot_id != boot_id) {
		g_warning("the hello names 0x%" PRIx64 " but no matching bridge header is there",
		          hpa);
		return;
	}
	g_mutex_lock(&b->lock);
	if (!b->up || b->boot_id != boot_id) {
		/*
		 * Up only once the mux has dropped the old boot's clients (on_boot):
		 * the mux reads "up" without this lock, and a client of the old boot
		 * must never reach the new one.
		 */
		__atomic_store_n(&b->up, false, __ATOMIC_RELEASE);
		b->hdr = h;
		b->boot_id = boot_id;
		b->generation++;
		memset(b->slot_busy, 0, sizeof(b->slot_busy));
		memset(b->slot_abandoned, 0, sizeof(b->slot_abandoned));
		g_message("board up: Service-VM RAM 0x%" PRIx64 "+%" PRIu64 " MiB, boot 0x%" PRIx64,
		          hpa, size >> 20, boot_id);
		if (b->on_boot)
			b->on_boot(b->opaque, size);
		__atomic_store_n(&b->up, true, __ATOMIC_RELEASE);
	}
	g_cond_broadcast(&b->cond);
	g_mutex_unlock(&b->lock);
}

static void reclaim_abandoned(struct bridge_board *b)
{
	for (unsigned i = 0; b->hdr && i < ACRN_BRIDGE_NR_SLOTS; i++) {
		if (b->slot_abandoned[i] &&
		    __atomic_load_n(&b->hdr->slots[i].state, __ATOMIC_ACQUIRE) ==
		            ACRN_BRIDGE_SLOT_DONE) {
			__atomic_store_n(&b->hdr->slots[i].state, ACRN_BRIDGE_SLOT_FREE,
			                 __ATOMIC_RELEASE);
			b->slot_abandoned[i] = false;
			b->slot_busy[i] = false;
		}
	}
}

static void take_bytes(struct bridge_board *b, const char *buf, size_t n)
{
	bool rang = false;

	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (b->in_line) {
			if (c == '\n') {
				b->line[b->line_len] = '\0';
				b->in_line = false;
				take_hello(b, b->line);
			} else if (b->line_len < sizeof(b->line) - 1) {
				b->line[b->line_len++] = c;
			}
		} else if (c == '@') {
			b->in_line = true;
			b->line[0] = '@';
			b->line_len = 1;
		} else {
			rang = true;
		}
	}
	if (!rang)
		return;
	g_mutex_lock(&b->lock);
	reclaim_abandoned(b);
	g_cond_broadcast(&b->cond);
	g_mutex_unlock(&b->lock);
	if (b->on_ring && b->up)
		b->on_ring(b->opaque);
}

static gpointer reader(gpointer data)
{
	struct bridge_board *b = data;
	bool warned = false;

	for (;;) {
		char buf[512], ask = ACRN_BRIDGE_ASK_HELLO;
		int fd = bridge_unix_connect(b->com2_path);
		ssize_t n;

		if (fd < 0) {
			if (!warned)
				g_message("waiting for the board's COM2 socket %s: %s",
				          b->com2_path, g_strerror(-fd));
			warned = true;
			g_usleep(200000);
			continue;
		}
		warned = false;
		g_mutex_lock(&b->lock);
		b->com2_fd = fd;
		g_mutex_unlock(&b->lock);
		/* The hypervisor said hello at boot, maybe before we listened: ask again. */
		if (send(fd, &ask, 1, MSG_NOSIGNAL) != 1)
			g_warning("COM2: cannot ask for the hello: %s", g_strerror(errno));
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0 || (n < 0 && errno == EINTR))
			if (n > 0)
				take_bytes(b, buf, (size_t)n);
		g_mutex_lock(&b->lock);
		b->com2_fd = -1;
		b->up = false;
		b->in_line = false;
		g_cond_broadcast(&b->cond);
		g_mutex_unlock(&b->lock);
		close(fd);
		g_message("board gone (COM2 closed); waiting for it to come back");
		g_usleep(500000);
	}
	return NULL;
}

void bridge_board_start(struct bridge_board *b)
{
	g_thread_unref(g_thread_new("com2", reader, b));
}

int bridge_board_wait_up(struct bridge_board *b, unsigned ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	int ret;

	g_mutex_lock(&b->lock);
	while (!b->up && g_cond_wait_until(&b->cond, &b->lock, end))
		;
	ret = b->up ? 0 : -EHOSTDOWN;
	g_mutex_unlock(&b->lock);
	return ret;
}

int bridge_board_slot_get(struct bridge_board *b)
{
	gint64 end = g_get_monotonic_time() + (gint64)b->timeout_ms * 1000;
	int slot = -EHOSTDOWN;

	g_mutex_lock(&b->lock);
	while (b->up) {
		for (unsigned i = 0; i < ACRN_BRIDGE_NR_SLOTS; i++) {
			if (!b->slot_busy[i]) {
				b->slot_busy[i] = true;
				slot = (int)i;
				goto out;
			}
		}
		if (!g_cond_wait_until(&b->cond, &b->lock, end)) {
			slot = -ETIMEDOUT;
			break;
		}
	}
out:
	g_mutex_unlock(&b->lock);
	return slot;
}

void *bridge_board_slot_arg(struct bridge_board *b, int slot)
{
	return b->ram + b->hdr->ram_hpa + bridge_board_slot_arg_gpa(slot);
}

int64_t bridge_board_slot_call(struct bridge_board *b, int slot, uint64_t id, uint64_t p1,
                               uint64_t p2)
{
	gint64 end = g_get_monotonic_time() + (gint64)b->timeout_ms * 1000;
	struct acrn_bridge_slot *s;
	const char ring = ACRN_BRIDGE_RING;
	int64_t ret;
	uint64_t gen;

	g_mutex_lock(&b->lock);
	if (!b->up) {
		g_mutex_unlock(&b->lock);
		return -EHOSTDOWN;
	}
	gen = b->generation;
	s = &b->hdr->slots[slot];
	s->id = id;
	s->p1 = p1;
	s->p2 = p2;
	s->ret = 0;
	s->seq++;
	__atomic_store_n(&s->state, ACRN_BRIDGE_SLOT_POSTED, __ATOMIC_RELEASE);
	if (b->com2_fd < 0 || send(b->com2_fd, &ring, 1, MSG_NOSIGNAL) != 1) {
		__atomic_store_n(&s->state, ACRN_BRIDGE_SLOT_FREE, __ATOMIC_RELEASE);
		g_mutex_unlock(&b->lock);
		return -EHOSTDOWN;
	}
	for (;;) {
		if (!b->up || b->generation != gen) {
			ret = -EHOSTDOWN;
			break;
		}
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == ACRN_BRIDGE_SLOT_DONE) {
			ret = s->ret;
			__atomic_store_n(&s->state, ACRN_BRIDGE_SLOT_FREE, __ATOMIC_RELEASE);
			break;
		}
		if (!g_cond_wait_until(&b->cond, &b->lock, end)) {
			/* The hypervisor may finish it later; the slot is reclaimed then. */
			b->slot_abandoned[slot] = true;
			g_warning("hypercall 0x%" PRIx64 " got no answer in %u ms", id,
			          b->timeout_ms);
			ret = -ETIMEDOUT;
			break;
		}
	}
	g_mutex_unlock(&b->lock);
	return ret;
}

void bridge_board_slot_put(struct bridge_board *b, int slot)
{
	g_mutex_lock(&b->lock);
	if (!b->slot_abandoned[slot])
		b->slot_busy[slot] = false;
	g_cond_broadcast(&b->cond);
	g_mutex_unlock(&b->lock);
}

int64_t bridge_board_call(struct bridge_board *b, uint64_t id, uint64_t p1, void *arg,
                          size_t arg_len, bool arg_in_p1)
{
	int slot = bridge_board_slot_get(b);
	uint64_t gpa;
	int64_t ret;

	if (slot < 0)
		return slot;
	if (arg_len > ACRN_BRIDGE_PAGE_SIZE) {
		bridge_board_slot_put(b, slot);
		return -EINVAL;
	}
	gpa = bridge_board_slot_arg_gpa(slot);
	if (arg_len)
		memcpy(bridge_board_slot_arg(b, slot), arg, arg_len);
	ret = bridge_board_slot_call(b, slot, id, arg_in_p1 ? gpa : p1,
	                             arg_in_p1 || !arg_len ? 0 : gpa);
	if (ret >= 0 && arg_len)
		memcpy(arg, bridge_board_slot_arg(b, slot), arg_len);
	bridge_board_slot_put(b, slot);
	return ret;
}

int64_t bridge_board_slot_call_simple(struct bridge_board *b, uint64_t id, uint64_t p1, uint64_t p2)
{
	int slot = bridge_board_slot_get(b);
	int64_t ret;

	if (slot < 0)
		return slot;
	ret = bridge_board_slot_call(b, slot, id, p1, p2);
	bridge_board_slot_put(b, slot);
	return ret;
}
