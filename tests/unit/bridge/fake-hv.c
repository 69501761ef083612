/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <acrn/hypercall.h>
#include <acrn/ioreq.h>
#include <acrn/irq.h>
#include <acrn/memory.h>
#include <acrn/sbuf.h>
#include <acrn/vm.h>

#include "fake-hv.h"

void *fake_hv_svm(struct fake_hv *f, uint64_t gpa)
{
	return f->ram + FAKE_HPA + gpa;
}

static void init_header(struct fake_hv *f)
{
	memset(f->ram + FAKE_HPA, 0, ACRN_BRIDGE_PAGE_SIZE * (1 + ACRN_BRIDGE_NR_SLOTS));
	f->hdr = (struct acrn_bridge_header *)(f->ram + FAKE_HPA);
	f->hdr->version = ACRN_BRIDGE_VERSION;
	f->hdr->nr_slots = ACRN_BRIDGE_NR_SLOTS;
	f->hdr->ram_hpa = FAKE_HPA;
	f->hdr->ram_size = FAKE_SVM_SIZE;
	f->hdr->boot_id = ++f->boot_id;
	f->hdr->magic = ACRN_BRIDGE_MAGIC;
}

static void send_bytes(struct fake_hv *f, const char *s, size_t n)
{
	if (f->conn >= 0 && send(f->conn, s, n, MSG_NOSIGNAL) < 0)
		g_test_message("fake hv: send: %s", g_strerror(errno));
}

static int64_t run_call(struct fake_hv *f, uint64_t id, uint64_t p1, uint64_t p2)
{
	f->nr_calls++;
	switch (id) {
	case HC_GET_API_VERSION: {
		struct hc_api_version v = { HV_API_MAJOR_VERSION, HV_API_MINOR_VERSION };

		memcpy(fake_hv_svm(f, p1), &v, sizeof(v));
		return 0;
	}
	case HC_CREATE_VM: {
		struct acrn_vm_creation *c = fake_hv_svm(f, p1);

		if (!strcmp((char *)c->name, "nosys"))
			return -ENOSYS;
		c->vmid = 1;
		c->vcpu_num = 2;
		return 0;
	}
	case HC_SET_IOREQ_BUFFER:
		memcpy(&f->ioreq_gpa, fake_hv_svm(f, p2), sizeof(uint64_t));
		return p1 == 1 ? 0 : -EINVAL;
	case HC_VM_SET_MEMORY_REGIONS: {
		struct set_regions *sr = fake_hv_svm(f, p1);
		struct vm_memory_region *r = fake_hv_svm(f, sr->regions_gpa);

		if (sr->vmid != 1 || sr->mr_num != 1)
			return -EINVAL;
		f->region_type = r->type;
		f->region_gpa = r->gpa;
		f->region_svm_gpa = r->service_vm_gpa;
		f->region_size = r->size;
		return 0;
	}
	case HC_NOTIFY_REQUEST_FINISH:
		f->notified_vcpu = (int64_t)p2;
		return 0;
	case HC_DESTROY_VM:
		f->nr_destroy++;
		return 0;
	case HC_INJECT_MSI: {
		struct acrn_msi_entry *m = fake_hv_svm(f, p2);

		f->msi_data = m->msi_data;
		return 0;
	}
	case HC_START_VM:
		return 0;
	case HC_SETUP_SBUF: {
		struct acrn_sbuf_param *sp = fake_hv_svm(f, p2);

		if (!f->asyncio)
			return -ENOSYS; /* as the hypervisor before its asyncio work */
		if (p1 != 1 || sp->sbuf_id != ACRN_ASYNCIO)
			return -EINVAL;
		f->sbuf_gpa = sp->gpa;
		return 0;
	}
	case HC_ASYNCIO_ASSIGN:
	case HC_ASYNCIO_DEASSIGN: {
		struct acrn_asyncio_info *a = fake_hv_svm(f, p2);

		if (!f->asyncio)
			return -ENOSYS;
		if (id == HC_ASYNCIO_DEASSIGN) {
			f->nr_deassign++;
			return a->fd == f->asyncio_token ? 0 : -ENOENT;
		}
		f->asyncio_token = a->fd;
		f->asyncio_addr = a->addr;
		return a->type == ACRN_ASYNCIO_PIO ? 0 : -EINVAL;
	}
	default:
		return -ENOTTY;
	}
}

static void run_slots(struct fake_hv *f)
{
	bool done = false;

	g_mutex_lock(&f->lock);
	for (unsigned i = 0; i < ACRN_BRIDGE_NR_SLOTS; i++) {
		struct acrn_bridge_slot *s = &f->hdr->slots[i];

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != ACRN_BRIDGE_SLOT_POSTED)
			continue;
		if (f->hang_start && s->id == HC_START_VM)
			continue;
		s->ret = run_call(f, s->id, s->p1, s->p2);
		__atomic_store_n(&s->state, ACRN_BRIDGE_SLOT_DONE, __ATOMIC_RELEASE);
		done = true;
	}
	if (done)
		send_bytes(f, "!", 1);
	g_mutex_unlock(&f->lock);
}

static gpointer com2_thread(gpointer data)
{
	struct fake_hv *f = data;

	for (;;) {
		int c = accept(f->listen_fd, NULL, NULL);
		char buf[64];
		ssize_t n;

		if (c < 0)
			break;
		g_mutex_lock(&f->lock);
		f->conn = c;
		g_mutex_unlock(&f->lock);
		while ((n = recv(c, buf, sizeof(buf), 0)) > 0) {
			if (memchr(buf, ACRN_BRIDGE_ASK_HELLO, (size_t)n)) {
				char line[128];
				int len;

				g_mutex_lock(&f->lock);
				len = snprintf(line, sizeof(line),
				               "@ACRN-BRIDGE 1 %llx %llx %llx\n",
				               (unsigned long long)FAKE_HPA,
				               (unsigned long long)FAKE_SVM_SIZE,
				               (unsigned long long)f->boot_id);
				send_bytes(f, line, (size_t)len);
				g_mutex_unlock(&f->lock);
			}
			run_slots(f);
		}
		g_mutex_lock(&f->lock);
		if (f->conn == c)
			f->conn = -1;
		g_mutex_unlock(&f->lock);
		close(c);
	}
	return NULL;
}

void fake_hv_start(struct fake_hv *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	memset(f, 0, sizeof(*f));
	g_mutex_init(&f->lock);
	f->conn = -1;
	f->notified_vcpu = -1;
	f->dir = g_dir_make_tmp("bridge-test-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	f->ram_path = g_build_filename(f->dir, "ram", NULL);
	f->com2_path = g_build_filename(f->dir, "com2", NULL);
	fd = open(f->ram_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, (off_t)FAKE_RAM_FILE_SIZE), ==, 0);
	f->ram = mmap(NULL, FAKE_RAM_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	g_assert_true(f->ram != MAP_FAILED);
	close(fd);
	init_header(f);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, f->com2_path);
	g_assert_cmpint(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(listen(f->listen_fd, 4), ==, 0);
	g_thread_unref(g_thread_new("fake-hv", com2_thread, f));
}

void fake_hv_upcall_ioreq(struct fake_hv *f, unsigned slot)
{
	struct acrn_io_request_buffer *page = fake_hv_svm(f, f->ioreq_gpa);

	g_mutex_lock(&f->lock);
	page->req_slot[slot].type = ACRN_IOREQ_TYPE_PORTIO;
	page->req_slot[slot].reqs.pio_request.address = 0x3f8;
	__atomic_store_n(&page->req_slot[slot].processed, ACRN_IOREQ_STATE_PENDING,
	                 __ATOMIC_RELEASE);
	f->hdr->upcalls++;
	send_bytes(f, "!", 1);
	g_mutex_unlock(&f->lock);
}

void fake_hv_reboot(struct fake_hv *f)
{
	g_mutex_lock(&f->lock);
	init_header(f);
	if (f->conn >= 0)
		shutdown(f->conn, SHUT_RDWR);
	g_mutex_unlock(&f->lock);
}

bool fake_hv_wait(struct fake_hv *f, bool (*cond)(struct fake_hv *))
{
	for (int i = 0; i < 500; i++) {
		bool ok;

		g_mutex_lock(&f->lock);
		ok = cond(f);
		g_mutex_unlock(&f->lock);
		if (ok)
			return true;
		g_usleep(10000);
	}
	return false;
}

void fake_hv_push_asyncio(struct fake_hv *f, uint64_t token)
{
	struct shared_buf *sb = fake_hv_svm(f, f->sbuf_gpa);

	g_mutex_lock(&f->lock);
	g_assert_cmpuint(sb->magic, ==, ACRN_SBUF_MAGIC);
	g_assert_cmpuint(sb->ele_size, ==, 8);
	memcpy((uint8_t *)sb + ACRN_SBUF_HEAD_SIZE + sb->tail, &token, sizeof(token));
	__atomic_store_n(&sb->tail, (sb->tail + 8) % sb->size, __ATOMIC_RELEASE);
	f->hdr->upcalls++;
	send_bytes(f, "!", 1);
	g_mutex_unlock(&f->lock);
}

void fake_hv_cleanup(struct fake_hv *f)
{
	GDir *d = g_dir_open(f->dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(f->dir, name, NULL);

		g_remove(path);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(f->dir);
}
