/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <acrn/hsm.h>
#include <acrn/hypercall.h>
#include <acrn/memory.h>
#include <acrn/sbuf.h>

#include "mux.h"
#include "proto.h"

#define MAX_IRQFDS 32

struct ram_block {
	uint64_t gpa, size;
};

struct ioeventfd {
	int fd;
	struct acrn_asyncio_info info;
};

struct client {
	uint64_t generation; /* board boot this client's state belongs to */
	bool has_vm;
	bool destroyed; /* DESTROY_VM done; its ioreq page waits for the disconnect */
	uint16_t vmid;
	uint64_t ioreq_gpa;
	int ioreq_fd; /* eventfd: some slot is PROCESSING for us */
	GArray *ram;  /* struct ram_block */
	uint64_t sbuf_gpa;
	struct ioeventfd ioevents[ACRN_ASYNCIO_MAX];
	struct {
		int fd;
		struct acrn_msi_entry msi;
	} irqfds[MAX_IRQFDS];
	unsigned nr_irqfds;
};

static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		g_warning("eventfd %d: %s", fd, g_strerror(errno));
}

/* ---- upcalls ---- */

static void scan_ioreqs(struct bridge_mux *m, struct client *c)
{
	struct acrn_io_request_buffer *page =
	        bridge_board_gpa(m->board, c->ioreq_gpa, sizeof(*page));
	bool any = false;

	if (!page)
		return;
	for (unsigned i = 0; i < ACRN_IO_REQUEST_MAX; i++) {
		struct acrn_io_request *r = &page->req_slot[i];

		if (__atomic_load_n(&r->processed, __ATOMIC_ACQUIRE) != ACRN_IOREQ_STATE_PENDING)
			continue;
		/* As the HSM: everything goes to acrn-dm, which fuses 0xCF8/0xCFC itself. */
		r->kernel_handled = 0;
		__atomic_store_n(&r->processed, ACRN_IOREQ_STATE_PROCESSING, __ATOMIC_RELEASE);
		any = true;
	}
	if (any)
		signal_fd(c->ioreq_fd);
}

static void drain_asyncio(struct bridge_mux *m, struct client *c)
{
	struct shared_buf *sb = bridge_board_gpa(m->board, c->sbuf_gpa, ACRN_BRIDGE_PAGE_SIZE);
	uint32_t head, tail;

	if (!sb || sb->magic != ACRN_SBUF_MAGIC || sb->ele_size != 8 ||
	    sb->size > ACRN_BRIDGE_PAGE_SIZE - ACRN_SBUF_HEAD_SIZE)
		return;
	head = __atomic_load_n(&sb->head, __ATOMIC_ACQUIRE);
	tail = __atomic_load_n(&sb->tail, __ATOMIC_ACQUIRE);
	/* Bounded by the ring size, whatever the hypervisor wrote. */
	for (unsigned n = 0; head != tail && head < sb->size && n < sb->ele_num; n++) {
		uint64_t token;

		memcpy(&token, (uint8_t *)sb + ACRN_SBUF_HEAD_SIZE + head, sizeof(token));
		if (token >= 1 && token <= ACRN_ASYNCIO_MAX)
			signal_fd(c->ioevents[token - 1].fd);
		head = (head + 8) % sb->size;
	}
	__atomic_store_n(&sb->head, head, __ATOMIC_RELEASE);
}

static void on_ring(void *opaque)
{
	struct bridge_mux *m = opaque;

	g_mutex_lock(&m->lock);
	for (unsigned i = 0; i < m->clients->len; i++) {
		struct client *c = g_ptr_array_index(m->clients, i);

		if (!c->has_vm || c->generation != m->generation)
			continue;
		scan_ioreqs(m, c);
		if (c->sbuf_gpa)
			drain_asyncio(m, c);
	}
	g_mutex_unlock(&m->lock);
}

/* A new hypervisor boot: all earlier VMs and memory are gone. Board lock held. */
static void on_boot(void *opaque, uint64_t ram_size)
{
	struct bridge_mux *m = opaque;

	g_mutex_lock(&m->lock);
	bridge_alloc_fini(&m->alloc);
	if (bridge_alloc_init(&m->alloc, ram_size))
		g_warning("Service-VM RAM of %" PRIu64 " bytes is unusable", ram_size);
	m->generation = m->board->generation;
	g_mutex_unlock(&m->lock);
}

void bridge_mux_init(struct bridge_mux *m, struct bridge_board *b)
{
	memset(m, 0, sizeof(*m));
	g_mutex_init(&m->lock);
	m->board = b;
	m->clients = g_ptr_array_new();
	b->on_ring = on_ring;
	b->on_boot = on_boot;
	b->opaque = m;
}

/* ---- clients ---- */

void *bridge_mux_client_new(struct bridge_mux *m)
{
	struct client *c = g_new0(struct client, 1);

	c->ioreq_fd = -1;
	c->ram = g_array_new(FALSE, FALSE, sizeof(struct ram_block));
	for (unsigned i = 0; i < ACRN_ASYNCIO_MAX; i++)
		c->ioevents[i].fd = -1;
	g_mutex_lock(&m->lock);
	c->generation = m->generation;
	g_ptr_array_add(m->clients, c);
	g_mutex_unlock(&m->lock);
	return c;
}

static bool client_current(struct bridge_mux *m, struct client *c)
{
	bool ok;

	g_mutex_lock(&m->lock);
	ok = c->generation == m->generation && __atomic_load_n(&m->board->up, __ATOMIC_ACQUIRE);
	g_mutex_unlock(&m->lock);
	return ok;
}

static void zero_gpa(struct bridge_mux *m, uint64_t gpa, uint64_t size)
{
	void *p = bridge_board_gpa(m->board, gpa, size);

	if (p)
		memset(p, 0, size);
}

void bridge_mux_client_free(struct bridge_mux *m, void *client)
{
	struct client *c = client;
	bool current = client_current(m, c);

	if (current && c->has_vm) {
		int64_t r = bridge_board_call(m->board, HC_DESTROY_VM, c->vmid, NULL, 0, false);

		if (r && r != -ENOSYS)
			g_warning("vm %u: DESTROY_VM at disconnect: %s", c->vmid,
			          g_strerror((int)-r));
	}
	g_mutex_lock(&m->lock);
	g_ptr_array_remove(m->clients, c);
	/* Memory of an earlier board boot is not ours to free any more. */
	if (c->generation == m->generation) {
		for (unsigned i = 0; i < c->ram->len; i++) {
			struct ram_block *r = &g_array_index(c->ram, struct ram_block, i);

			zero_gpa(m, r->gpa, r->size);
			bridge_free_ram(&m->alloc, r->gpa, r->size);
		}
		if (c->has_vm || c->destroyed) {
			zero_gpa(m, c->ioreq_gpa, ACRN_BRIDGE_PAGE_SIZE);
			bridge_free_page(&m->alloc, c->ioreq_gpa);
		}
		if (c->sbuf_gpa) {
			zero_gpa(m, c->sbuf_gpa, ACRN_BRIDGE_PAGE_SIZE);
			bridge_free_page(&m->alloc, c->sbuf_gpa);
		}
	}
	g_mutex_unlock(&m->lock);
	if (c->ioreq_fd >= 0)
		close(c->ioreq_fd);
	for (unsigned i = 0; i < ACRN_ASYNCIO_MAX; i++)
		if (c->ioevents[i].fd >= 0)
			close(c->ioevents[i].fd);
	for (unsigned i = 0; i < c->nr_irqfds; i++)
		close(c->irqfds[i].fd);
	g_array_free(c->ram, TRUE);
	g_free(c);
}

/* Whether [pa, pa+len) lies inside one block this client allocated. */
static bool owns_ram(struct client *c, uint64_t pa, uint64_t len)
{
	for (unsigned i = 0; i < c->ram->len; i++) {
		struct ram_block *r = &g_array_index(c->ram, struct ram_block, i);

		if (pa >= r->gpa && len <= r->size && pa - r->gpa <= r->size - len)
			return true;
	}
	return false;
}

static int64_t vm_call(struct bridge_mux *m, struct client *c, uint64_t id, void *arg, size_t len)
{
	return bridge_board_call(m->board, id, c->vmid, arg, len, false);
}

static void set_slots_free(struct bridge_mux *m, uint64_t page)
{
	struct acrn_io_request_buffer *buf = bridge_board_gpa(m->board, page, sizeof(*buf));

	for (unsigned i = 0; buf && i < ACRN_IO_REQUEST_MAX; i++)
		__atomic_store_n(&buf->req_slot[i].processed, ACRN_IOREQ_STATE_FREE,
		                 __ATOMIC_RELEASE);
}

static int do_create_vm(struct bridge_mux *m, struct client *c, const void *payload, int fd,
                        void *out, uint32_t *out_len, int *out_fd)
{
	struct acrn_vm_creation cr;
	struct acrn_bridge_created reply = { 0 };
	uint64_t page, iobuf;
	int64_t r;
	int err;

	if (c->has_vm || c->destroyed)
		return -EEXIST; /* one VM per connection, as per open HSM handle */
	memcpy(&cr, payload, sizeof(cr));
	g_mutex_lock(&m->lock);
	err = bridge_alloc_page(&m->alloc, &page);
	g_mutex_unlock(&m->lock);
	if (err)
		return err;
	zero_gpa(m, page, ACRN_BRIDGE_PAGE_SIZE);
	/* A zeroed slot reads as PENDING (0): start every slot FREE, as the hypervisor does. */
	set_slots_free(m, page);
	cr.ioreq_buf = page;
	r = bridge_board_call(m->board, HC_CREATE_VM, 0, &cr, sizeof(cr), true);
	if (!r) {
		/* ACRN's SET_IOREQ_BUFFER: p2 = GPA of a u64 that holds the page's GPA. */
		iobuf = page;
		r = bridge_board_call(m->board, HC_SET_IOREQ_BUFFER, cr.vmid, &iobuf, sizeof(iobuf),
		                      false);
		if (r)
			bridge_board_call(m->board, HC_DESTROY_VM, cr.vmid, NULL, 0, false);
	}
	if (r) {
		g_mutex_lock(&m->lock);
		bridge_free_page(&m->alloc, page);
		g_mutex_unlock(&m->lock);
		return (int)r;
	}
	/* Under the lock: the doorbell thread scans clients with a VM. */
	g_mutex_lock(&m->lock);
	c->vmid = cr.vmid;
	c->ioreq_gpa = page;
	c->ioreq_fd = fd;
	c->has_vm = true;
	g_mutex_unlock(&m->lock);
	memcpy(reply.creation, &cr, sizeof(cr));
	reply.ioreq_service_vm_pa = page;
	reply.ioreq_mmap_offset = m->board->hdr->ram_hpa + page;
	memcpy(out, &reply, sizeof(reply));
	*out_len = sizeof(reply);
	*out_fd = m->board->ram_fd;
	return 1; /* the eventfd is the client's now */
}

static int do_alloc_ram(struct bridge_mux *m, struct client *c, const void *payload, void *out,
                        uint32_t *out_len, int *out_fd)
{
	struct acrn_bridge_ram reply;
	struct ram_block blk;
	uint64_t size;
	int err;

	memcpy(&size, payload, sizeof(size));
	g_mutex_lock(&m->lock);
	err = bridge_alloc_ram(&m->alloc, size, &blk.gpa);
	g_mutex_unlock(&m->lock);
	if (err)
		return err;
	blk.size = size;
	g_array_append_val(c->ram, blk);
	reply = (struct acrn_bridge_ram){ .service_vm_pa = blk.gpa,
		                          .mmap_offset = m->board->hdr->ram_hpa + blk.gpa,
		                          .size = size };
	memcpy(out, &reply, sizeof(reply));
	*out_len = sizeof(reply);
	*out_fd = m->board->ram_fd;
	return 0;
}

static int do_memseg(struct bridge_mux *m, struct client *c, uint16_t op, const void *payload)
{
	struct acrn_vm_memmap mm;
	struct {
		struct set_regions sr;
		uint8_t pad[32];
		struct vm_memory_region region;
	} arg = { 0 };
	int slot;
	int64_t r;

	memcpy(&mm, payload, sizeof(mm));
	if (mm.type != ACRN_MEMMAP_RAM)
		return -EOPNOTSUPP; /* MMIO passthrough: no devices on the board to pass */
	if (!mm.len || mm.len % ACRN_BRIDGE_PAGE_SIZE || mm.service_vm_pa % ACRN_BRIDGE_PAGE_SIZE ||
	    mm.user_vm_pa % ACRN_BRIDGE_PAGE_SIZE || !owns_ram(c, mm.service_vm_pa, mm.len))
		return -EINVAL;
	slot = bridge_board_slot_get(m->board);
	if (slot < 0)
		return slot;
	arg.sr.vmid = c->vmid;
	arg.sr.mr_num = 1;
	arg.sr.regions_gpa = bridge_board_slot_arg_gpa(slot) + offsetof(__typeof__(arg), region);
	arg.region.type = op == ACRN_HSM_SET_MEMSEG ? MR_ADD : MR_DEL;
	arg.region.prot = mm.attr;
	arg.region.gpa = mm.user_vm_pa;
	arg.region.service_vm_gpa = mm.service_vm_pa;
	arg.region.size = mm.len;
	memcpy(bridge_board_slot_arg(m->board, slot), &arg, sizeof(arg));
	r = bridge_board_slot_call(m->board, slot, HC_VM_SET_MEMORY_REGIONS,
	                           bridge_board_slot_arg_gpa(slot), 0);
	bridge_board_slot_put(m->board, slot);
	return (int)r;
}

static int do_clear_ioreq(struct bridge_mux *m, struct client *c)
{
	struct acrn_io_request_buffer *page =
	        bridge_board_gpa(m->board, c->ioreq_gpa, sizeof(*page));

	if (!page)
		return -EHOSTDOWN;
	for (unsigned i = 0; i < ACRN_IO_REQUEST_MAX; i++) {
		struct acrn_io_request *r = &page->req_slot[i];
		uint32_t st = __atomic_load_n(&r->processed, __ATOMIC_ACQUIRE);

		if (st != ACRN_IOREQ_STATE_PENDING && st != ACRN_IOREQ_STATE_PROCESSING)
			continue;
		__atomic_store_n(&r->processed, ACRN_IOREQ_STATE_COMPLETE, __ATOMIC_RELEASE);
		bridge_board_slot_call_simple(m->board, HC_NOTIFY_REQUEST_FINISH, c->vmid, i);
	}
	return 0;
}

static int asyncio_unsupported(int64_t r)
{
	return r == -ENOSYS || r == -ENOTTY ? -EOPNOTSUPP : (int)r;
}

static int do_ioeventfd(struct bridge_mux *m, struct client *c, const void *payload, int fd)
{
	struct acrn_ioeventfd e;
	struct acrn_asyncio_info info = { 0 };
	int64_t r;
	int free_i = -1;

	memcpy(&e, payload, sizeof(e));
	if (e.flags & ~(ACRN_IOEVENTFD_FLAG_PIO | ACRN_IOEVENTFD_FLAG_DATAMATCH |
	                ACRN_IOEVENTFD_FLAG_DEASSIGN) ||
	    e.reserved || (e.len != 1 && e.len != 2 && e.len != 4 && e.len != 8))
		return -EINVAL;
	info.type = e.flags & ACRN_IOEVENTFD_FLAG_PIO ? ACRN_ASYNCIO_PIO : ACRN_ASYNCIO_MMIO;
	info.match_data = !!(e.flags & ACRN_IOEVENTFD_FLAG_DATAMATCH);
	info.addr = e.addr;
	info.data = info.match_data ? e.data : 0;
	if (e.flags & ACRN_IOEVENTFD_FLAG_DEASSIGN) {
		for (unsigned i = 0; i < ACRN_ASYNCIO_MAX; i++) {
			struct ioeventfd *ev = &c->ioevents[i];

			if (ev->fd < 0 || ev->info.addr != info.addr ||
			    ev->info.type != info.type || ev->info.match_data != info.match_data ||
			    ev->info.data != info.data)
				continue;
			r = vm_call(m, c, HC_ASYNCIO_DEASSIGN, &ev->info, sizeof(ev->info));
			g_mutex_lock(&m->lock);
			close(ev->fd);
			ev->fd = -1;
			g_mutex_unlock(&m->lock);
			return (int)r;
		}
		return -ENOENT;
	}
	for (unsigned i = 0; i < ACRN_ASYNCIO_MAX && free_i < 0; i++)
		if (c->ioevents[i].fd < 0)
			free_i = (int)i;
	if (free_i < 0)
		return -ENOSPC;
	if (!c->sbuf_gpa) {
		struct acrn_sbuf_param sp = { .sbuf_id = ACRN_ASYNCIO };
		struct shared_buf *sb;
		uint64_t page;
		int err;

		g_mutex_lock(&m->lock);
		err = bridge_alloc_page(&m->alloc, &page);
		g_mutex_unlock(&m->lock);
		if (err)
			return err;
		sb = bridge_board_gpa(m->board, page, ACRN_BRIDGE_PAGE_SIZE);
		memset(sb, 0, ACRN_BRIDGE_PAGE_SIZE);
		sb->ele_size = 8;
		sb->ele_num = (ACRN_BRIDGE_PAGE_SIZE - ACRN_SBUF_HEAD_SIZE) / 8;
		sb->size = sb->ele_num * sb->ele_size;
		sb->magic = ACRN_SBUF_MAGIC;
		sp.gpa = page;
		r = vm_call(m, c, HC_SETUP_SBUF, &sp, sizeof(sp));
		if (r) {
			g_mutex_lock(&m->lock);
			bridge_free_page(&m->alloc, page);
			g_mutex_unlock(&m->lock);
			return asyncio_unsupported(r);
		}
		g_mutex_lock(&m->lock);
		c->sbuf_gpa = page;
		g_mutex_unlock(&m->lock);
	}
	info.fd = (uint64_t)free_i + 1; /* the token the hypervisor pushes */
	r = vm_call(m, c, HC_ASYNCIO_ASSIGN, &info, sizeof(info));
	if (r)
		return asyncio_unsupported(r);
	g_mutex_lock(&m->lock);
	c->ioevents[free_i].fd = fd;
	c->ioevents[free_i].info = info;
	g_mutex_unlock(&m->lock);
	return 1;
}

static int do_irqfd(struct client *c, const void *payload, int fd)
{
	struct acrn_irqfd f;

	memcpy(&f, payload, sizeof(f));
	if (f.flags & ~ACRN_IRQFD_FLAG_DEASSIGN)
		return -EINVAL;
	if (f.flags & ACRN_IRQFD_FLAG_DEASSIGN) {
		/* Match by MSI: the descriptor we got is a new one for the same eventfd. */
		for (unsigned i = 0; i < c->nr_irqfds; i++) {
			if (memcmp(&c->irqfds[i].msi, &f.msi, sizeof(f.msi)))
				continue;
			close(c->irqfds[i].fd);
			c->irqfds[i] = c->irqfds[--c->nr_irqfds];
			return 0;
		}
		return -ENOENT;
	}
	if (c->nr_irqfds >= MAX_IRQFDS)
		return -ENOSPC;
	c->irqfds[c->nr_irqfds].fd = fd;
	c->irqfds[c->nr_irqfds].msi = f.msi;
	c->nr_irqfds++;
	return 1;
}

/* >0: the request's descriptor was kept. */
int bridge_mux_handle(struct bridge_mux *m, void *client, const struct acrn_bridge_msg *req,
                      const void *payload, int fd, void *out, uint32_t *out_len, int *out_fd)
{
	struct client *c = client;
	int err = bridge_proto_check(req, fd);
	uint64_t u64;

	*out_len = 0;
	*out_fd = -1;
	if (err)
		return err;
	switch (req->op) {
	case ACRN_BRIDGE_OP_NOP:
		return 0;
	case ACRN_BRIDGE_OP_HELLO: {
		struct acrn_bridge_hello h = { .version = ACRN_BRIDGE_VERSION };

		g_mutex_lock(&m->lock);
		h.board_up = m->board->up;
		h.ram_size = m->alloc.ram_size;
		h.ram_free = bridge_alloc_free_bytes(&m->alloc);
		g_mutex_unlock(&m->lock);
		memcpy(out, &h, sizeof(h));
		*out_len = sizeof(h);
		return 0;
	}
	default:
		break;
	}
	if (!client_current(m, c))
		return m->board->up ? -ESHUTDOWN : -EHOSTDOWN;
	switch (req->op) {
	case ACRN_BRIDGE_OP_API_VERSION: {
		struct hc_api_version v = { 0 };
		int64_t r = bridge_board_call(m->board, HC_GET_API_VERSION, 0, &v, sizeof(v), true);

		if (r)
			return (int)r;
		memcpy(out, &v, sizeof(v));
		*out_len = sizeof(v);
		return 0;
	}
	case ACRN_BRIDGE_OP_ALLOC_RAM:
		return do_alloc_ram(m, c, payload, out, out_len, out_fd);
	case ACRN_HSM_CREATE_VM:
		return do_create_vm(m, c, payload, fd, out, out_len, out_fd);
	default:
		break;
	}
	if (!c->has_vm)
		return -ENODEV; /* as the HSM: only CREATE_VM works before a VM exists */
	switch (req->op) {
	case ACRN_HSM_DESTROY_VM:
		err = (int)vm_call(m, c, HC_DESTROY_VM, NULL, 0);
		if (!err) {
			/* Its ioreq page and memory are freed with the connection. */
			g_mutex_lock(&m->lock);
			c->has_vm = false;
			c->destroyed = true;
			g_mutex_unlock(&m->lock);
		}
		return err;
	case ACRN_HSM_START_VM:
		return (int)vm_call(m, c, HC_START_VM, NULL, 0);
	case ACRN_HSM_PAUSE_VM:
		return (int)vm_call(m, c, HC_PAUSE_VM, NULL, 0);
	case ACRN_HSM_RESET_VM:
		return (int)vm_call(m, c, HC_RESET_VM, NULL, 0);
	case ACRN_HSM_SET_VCPU_REGS: {
		struct acrn_vcpu_regs regs;

		memcpy(&regs, payload, sizeof(regs));
		if (regs.reserved[0] || regs.reserved[1] || regs.reserved[2])
			return -EINVAL;
		return (int)vm_call(m, c, HC_SET_VCPU_REGS, &regs, sizeof(regs));
	}
	case ACRN_HSM_INJECT_MSI: {
		struct acrn_msi_entry msi;

		memcpy(&msi, payload, sizeof(msi));
		return (int)vm_call(m, c, HC_INJECT_MSI, &msi, sizeof(msi));
	}
	case ACRN_HSM_SET_IRQLINE:
		memcpy(&u64, payload, sizeof(u64));
		return (int)bridge_board_slot_call_simple(m->board, HC_SET_IRQLINE, c->vmid, u64);
	case ACRN_HSM_NOTIFY_REQUEST_FINISH: {
		struct acrn_ioreq_notify n;

		memcpy(&n, payload, sizeof(n));
		if (n.vcpu >= ACRN_IO_REQUEST_MAX || n.reserved)
			return -EINVAL;
		return (int)bridge_board_slot_call_simple(m->board, HC_NOTIFY_REQUEST_FINISH,
		                                          c->vmid, n.vcpu);
	}
	case ACRN_HSM_CLEAR_VM_IOREQ:
		return do_clear_ioreq(m, c);
	case ACRN_HSM_SET_MEMSEG:
	case ACRN_HSM_UNSET_MEMSEG:
		return do_memseg(m, c, req->op, payload);
	case ACRN_HSM_IOEVENTFD:
		return do_ioeventfd(m, c, payload, fd);
	case ACRN_HSM_IRQFD:
		return do_irqfd(c, payload, fd);
	default:
		return -ENOTTY;
	}
}

static void inject_irqfd(struct bridge_mux *m, struct client *c, unsigned i)
{
	uint64_t count;
	struct acrn_msi_entry msi = c->irqfds[i].msi;

	if (read(c->irqfds[i].fd, &count, sizeof(count)) != sizeof(count))
		return;
	if (c->has_vm && client_current(m, c))
		vm_call(m, c, HC_INJECT_MSI, &msi, sizeof(msi));
}

void bridge_mux_serve(struct bridge_mux *m, int sock)
{
	struct client *c = bridge_mux_client_new(m);
	static uint8_t zero;

	for (;;) {
		struct pollfd pfd[1 + MAX_IRQFDS];
		struct acrn_bridge_msg req, rep;
		uint8_t in[ACRN_BRIDGE_MSG_MAX], out[ACRN_BRIDGE_MSG_MAX];
		unsigned n = c->nr_irqfds;
		int fd, out_fd, r;
		uint32_t out_len;

		pfd[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
		for (unsigned i = 0; i < n; i++)
			pfd[1 + i] = (struct pollfd){ .fd = c->irqfds[i].fd, .events = POLLIN };
		if (poll(pfd, 1 + n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (unsigned i = 0; i < n; i++)
			if (pfd[1 + i].revents & POLLIN)
				inject_irqfd(m, c, i);
		if (!pfd[0].revents)
			continue;
		r = bridge_msg_recv(sock, &req, in, sizeof(in), &fd);
		if (r) {
			if (r != -ECONNRESET)
				g_message("client: %s; closing it", g_strerror(-r));
			break;
		}
		r = bridge_mux_handle(m, c, &req, in, fd, out, &out_len, &out_fd);
		if (r <= 0 && fd >= 0)
			close(fd);
		rep = (struct acrn_bridge_msg){ .op = req.op,
			                        .seq = req.seq,
			                        .result = r > 0 ? 0 : r,
			                        .len = r < 0 ? 0 : out_len };
		if (bridge_msg_send(sock, &rep, rep.len ? (void *)out : (void *)&zero, out_fd))
			break;
	}
	close(sock);
	bridge_mux_client_free(m, c);
}

static gpointer serve_thread(gpointer data)
{
	gpointer *args = data;
	struct bridge_mux *m = args[0];
	int sock = GPOINTER_TO_INT(args[1]);

	g_free(args);
	bridge_mux_serve(m, sock);
	return NULL;
}

void bridge_mux_spawn(struct bridge_mux *m, int sock)
{
	gpointer *args = g_new(gpointer, 2);

	args[0] = m;
	args[1] = GINT_TO_POINTER(sock);
	g_thread_unref(g_thread_new("client", serve_thread, args));
}
