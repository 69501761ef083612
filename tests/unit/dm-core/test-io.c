/* SPDX-License-Identifier: BSD-3-Clause */
/* The PIO/MMIO tables and the dispatch of single ioreq slots (no thread). */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <dm/io.h>
#include <dm/log.h>
#include <dm/vm.h>

#include "../../../dm/core/core.h"
#include "doubles.h"
#include "fake-transport.h"

/* A device with 16 bytes of registers; remembers the last access. */
struct fake_dev {
	uint8_t regs[16];
	unsigned accesses;
	bool last_write;
	uint64_t last_off;
	unsigned last_size;
	int fail;
};

static int dev_io(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                  uint64_t *val)
{
	struct fake_dev *d = opaque;

	(void)vm;
	d->accesses++;
	d->last_write = write;
	d->last_off = offset;
	d->last_size = size;
	if (d->fail)
		return d->fail;
	g_assert_cmpuint(offset + size, <=, sizeof(d->regs));
	if (write)
		memcpy(d->regs + offset, val, size);
	else {
		*val = 0;
		memcpy(val, d->regs + offset, size);
	}
	return 0;
}

static struct dm_io_range range(const char *name, uint64_t base, uint64_t len, void *opaque)
{
	return (struct dm_io_range){ name, base, len, dev_io, opaque, false };
}

static void test_tables(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 0);
	struct fake_dev d = { 0 };
	struct dm_io_range r;

	/* Out of order registration; lookups see them sorted. */
	r = range("b", 0x3F8, 8, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, 0);
	r = range("a", 0x70, 2, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, 0);
	r = range("c", 0xCF8, 8, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, 0);
	r = range("d", 0x2F8, 8, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, 0);
	g_assert_cmpuint(vm.core->pio.n, ==, 4);
	for (size_t i = 1; i < vm.core->pio.n; i++)
		g_assert_cmpuint(vm.core->pio.r[i - 1].base, <, vm.core->pio.r[i].base);

	g_assert_cmpstr(dm_io_find(&vm.core->pio, 0x70)->name, ==, "a");
	g_assert_cmpstr(dm_io_find(&vm.core->pio, 0x71)->name, ==, "a");
	g_assert_null(dm_io_find(&vm.core->pio, 0x72));
	g_assert_null(dm_io_find(&vm.core->pio, 0x6F));
	g_assert_cmpstr(dm_io_find(&vm.core->pio, 0x3FF)->name, ==, "b");
	g_assert_null(dm_io_find(&vm.core->pio, 0x400));
	g_assert_cmpstr(dm_io_find(&vm.core->pio, 0xCFC)->name, ==, "c");
	g_assert_null(dm_io_find(&vm.core->pio, 0));
	g_assert_null(dm_io_find(&vm.core->pio, 0xFFFF));

	/* Overlaps on either side, inside and around are refused. */
	r = range("x", 0x3F0, 9, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, -EEXIST);
	r = range("x", 0x3FF, 1, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, -EEXIST);
	r = range("x", 0x3FA, 1, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, -EEXIST);
	r = range("x", 0x300, 0x200, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, -EEXIST);
	/* Adjacent is fine. */
	r = range("e", 0x3F0, 8, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, 0);
	r = range("f", 0x400, 1, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, 0);
	/* Invalid: empty, beyond 64 KiB of ports, no handler. */
	r = range("x", 0x500, 0, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, -EINVAL);
	r = range("x", 0xFFFF, 2, &d);
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, -EINVAL);
	r = range("x", 0x600, 1, &d);
	r.fn = NULL;
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, -EINVAL);
	/* MMIO has its own table; a 64-bit address wrap is refused. */
	r = range("m", 0x3F8, 8, &d);
	g_assert_cmpint(dm_io_register_mmio(&vm, &r), ==, 0);
	r = range("m", UINT64_MAX - 1, 4, &d);
	g_assert_cmpint(dm_io_register_mmio(&vm, &r), ==, -EINVAL);

	/* Unregister by exact base only. */
	g_assert_cmpint(dm_io_unregister_pio(&vm, 0x3F9), ==, -ENOENT);
	g_assert_cmpint(dm_io_unregister_pio(&vm, 0x3F8), ==, 0);
	g_assert_null(dm_io_find(&vm.core->pio, 0x3F8));
	g_assert_cmpstr(dm_io_find(&vm.core->pio, 0x3F0)->name, ==, "e");
	g_assert_cmpint(dm_io_unregister_mmio(&vm, 0x3F8), ==, 0);
	g_assert_cmpint(dm_io_unregister_mmio(&vm, 0x3F8), ==, -ENOENT);
	fake_vm_free(&vm, f);
}

static void test_many(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 0);
	struct fake_dev d = { 0 };

	/* 1000 ranges in a scrambled order, then every lookup. */
	for (unsigned i = 0; i < 1000; i++) {
		unsigned k = (i * 617) % 1000;
		struct dm_io_range r = range("r", 0xC0000000ULL + k * 0x1000, 0x800, &d);

		g_assert_cmpint(dm_io_register_mmio(&vm, &r), ==, 0);
	}
	for (unsigned k = 0; k < 1000; k++) {
		uint64_t base = 0xC0000000ULL + k * 0x1000;

		g_assert_cmpuint(dm_io_find(&vm.core->mmio, base + 0x7FF)->base, ==, base);
		g_assert_null(dm_io_find(&vm.core->mmio, base + 0x800));
	}
	fake_vm_free(&vm, f);
}

static struct acrn_io_request pio(bool write, uint64_t port, unsigned size, uint32_t val)
{
	struct acrn_io_request r = { .type = ACRN_IOREQ_TYPE_PORTIO };

	r.reqs.pio_request.direction = write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	r.reqs.pio_request.address = port;
	r.reqs.pio_request.size = size;
	r.reqs.pio_request.value = val;
	return r;
}

static struct acrn_io_request mmio(bool write, uint64_t addr, unsigned size, uint64_t val)
{
	struct acrn_io_request r = { .type = ACRN_IOREQ_TYPE_MMIO };

	r.reqs.mmio_request.direction = write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	r.reqs.mmio_request.address = addr;
	r.reqs.mmio_request.size = size;
	r.reqs.mmio_request.value = val;
	return r;
}

static void test_dispatch(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 0);
	struct fake_dev d = { 0 };
	struct dm_io_range r = range("dev", 0x500, 16, &d);
	struct acrn_io_request q;

	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, 0);
	r = range("mdev", 0xD0000000, 16, &d);
	g_assert_cmpint(dm_io_register_mmio(&vm, &r), ==, 0);

	/* Port writes of 1/2/4 bytes take only the low bytes of value. */
	q = pio(true, 0x504, 2, 0xAABBCCDD);
	dm_io_dispatch(&vm, &q);
	g_assert_true(d.last_write);
	g_assert_cmpuint(d.last_off, ==, 4);
	g_assert_cmpuint(d.last_size, ==, 2);
	g_assert_cmpuint(d.regs[4], ==, 0xDD);
	g_assert_cmpuint(d.regs[5], ==, 0xCC);
	g_assert_cmpuint(d.regs[6], ==, 0);
	q = pio(false, 0x504, 4, 0x12345678);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.pio_request.value, ==, 0xCCDD);
	q = pio(false, 0x505, 1, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.pio_request.value, ==, 0xCC);

	/* MMIO of 8 bytes. */
	q = mmio(true, 0xD0000008, 8, 0x1122334455667788ULL);
	dm_io_dispatch(&vm, &q);
	q = mmio(false, 0xD0000008, 8, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.mmio_request.value, ==, 0x1122334455667788ULL);
	q = mmio(false, 0xD000000C, 2, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.mmio_request.value, ==, 0x3344);

	/* Unclaimed reads are all ones of the access size; writes vanish. */
	d.accesses = 0;
	q = pio(false, 0x80, 1, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.pio_request.value, ==, 0xFF);
	q = pio(false, 0x80, 2, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.pio_request.value, ==, 0xFFFF);
	q = mmio(false, 0xFED00000, 8, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.mmio_request.value, ==, UINT64_MAX);
	q = mmio(false, 0xFED00000, 4, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.mmio_request.value, ==, 0xFFFFFFFF);
	q = pio(true, 0x80, 1, 0x55);
	dm_io_dispatch(&vm, &q);
	/* An access running past the end of a range is not the device's. */
	q = pio(false, 0x50E, 4, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.pio_request.value, ==, 0xFFFFFFFF);
	g_assert_cmpuint(d.accesses, ==, 0);
	/* Unless the range decodes by its first port, as 0xCF8 does. */
	r = range("cf8", 0xCF8, 1, &d);
	r.by_first_port = true;
	g_assert_cmpint(dm_io_register_pio(&vm, &r), ==, 0);
	q = pio(true, 0xCF8, 4, 0x80000000);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(d.accesses, ==, 1);
	g_assert_cmpuint(d.last_off, ==, 0);
	g_assert_cmpuint(d.last_size, ==, 4);
	d.accesses = 0;
	/* Each unclaimed address is remembered (and logged) once. */
	g_assert_cmpuint(g_hash_table_size(vm.core->unclaimed), ==, 3);

	/* Bad sizes never reach a device. */
	q = pio(false, 0x500, 3, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.pio_request.value, ==, 0xFFFFFFFF);
	q = pio(false, 0x500, 8, 0);
	dm_io_dispatch(&vm, &q);
	q = mmio(false, 0xD0000000, 16, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.mmio_request.value, ==, UINT64_MAX);
	g_assert_cmpuint(d.accesses, ==, 0);

	/* A device error on a read gives all ones. */
	d.fail = -EIO;
	q = mmio(false, 0xD0000000, 4, 0);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(q.reqs.mmio_request.value, ==, 0xFFFFFFFF);
	g_assert_cmpuint(d.accesses, ==, 1);
	fake_vm_free(&vm, f);
}

static void test_unclaimed_cap(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 0);

	/* A guest probing everything cannot make the log set grow without bound. */
	dm_log_set_level(DM_LOG_ERR);
	for (uint64_t a = 0; a < 5000; a++) {
		struct acrn_io_request q = mmio(false, 0xF0000000 + a * 4, 4, 0);

		dm_io_dispatch(&vm, &q);
		g_assert_cmpuint(q.reqs.mmio_request.value, ==, 0xFFFFFFFF);
	}
	g_assert_cmpuint(g_hash_table_size(vm.core->unclaimed), <=, 1025);
	dm_log_set_level(DM_LOG_INFO);
	fake_vm_free(&vm, f);
}

static void test_pcicfg(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 0);
	struct acrn_io_request q = { .type = ACRN_IOREQ_TYPE_PCICFG };
	struct acrn_pci_request *c = &q.reqs.pci_request;
	struct cfg_access *a;

	doubles_reset();
	c->direction = ACRN_IOREQ_DIR_WRITE;
	c->size = 4;
	c->value = 0x12345678;
	c->bus = 0;
	c->dev = 3;
	c->func = 1;
	c->reg = 0x10;
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(cfg_log->len, ==, 1);
	a = &g_array_index(cfg_log, struct cfg_access, 0);
	g_assert_true(a->write);
	g_assert_cmpuint(a->slot, ==, 3);
	g_assert_cmpuint(a->func, ==, 1);
	g_assert_cmpuint(a->reg, ==, 0x10);
	g_assert_cmpuint(a->size, ==, 4);
	g_assert_cmpuint(a->val, ==, 0x12345678);

	cfg_read_value = 0xBEEF;
	c->direction = ACRN_IOREQ_DIR_READ;
	c->size = 2;
	c->reg = 0x2;
	dm_io_dispatch(&vm, &q);
	g_assert_cmpint(c->value, ==, 0xBEEF);
	g_assert_cmpuint(cfg_log->len, ==, 2);

	/* Out-of-range fields from the hypervisor never reach the bus: reads give ones. */
	c->dev = 32;
	dm_io_dispatch(&vm, &q);
	g_assert_cmpint(c->value, ==, -1);
	c->dev = 0;
	c->reg = 4095;
	dm_io_dispatch(&vm, &q);
	c->reg = 0;
	c->func = -1;
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(cfg_log->len, ==, 2);
	fake_vm_free(&vm, f);
}

static uint64_t evfd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void test_eventfd(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 0);
	struct fake_dev d = { 0 };
	struct dm_io_range r = range("notify", 0xD0001000, 16, &d);
	int fd = eventfd(0, EFD_NONBLOCK);
	struct acrn_io_request q;

	g_assert_cmpint(dm_io_register_mmio(&vm, &r), ==, 0);
	/* With a transport that posts them, the registration goes there. */
	g_assert_cmpint(dm_io_add_eventfd(&vm, false, 0xD0001000, 2, true, 1, fd), ==, 0);
	g_assert_cmpuint(fake_count(f, "ioeventfd"), ==, 1);
	g_assert_cmpuint(fake_nth(f, "ioeventfd", 0)->a, ==, 0xD0001000);
	g_assert_cmpuint(fake_nth(f, "ioeventfd", 0)->b, ==, ACRN_IOEVENTFD_FLAG_DATAMATCH);
	g_assert_cmpuint(fake_nth(f, "ioeventfd", 0)->c, ==, (uint64_t)fd);
	g_assert_cmpuint(vm.core->evfds->len, ==, 1); /* remembered for the deassign */
	g_assert_cmpint(dm_io_del_eventfd(&vm, false, 0xD0001000, fd), ==, 0);
	/* The deassign repeats the assign's arguments (the bridge and the HSM check them). */
	g_assert_cmpuint(fake_nth(f, "ioeventfd", 1)->a, ==, 0xD0001000);
	g_assert_cmpuint(fake_nth(f, "ioeventfd", 1)->b, ==,
	                 ACRN_IOEVENTFD_FLAG_DEASSIGN | ACRN_IOEVENTFD_FLAG_DATAMATCH);
	g_assert_cmpuint(vm.core->evfds->len, ==, 0);
	g_assert_cmpint(dm_io_del_eventfd(&vm, false, 0xD0001000, fd), ==, -ENOENT);

	/* Without: dispatch signals the eventfd itself, only for the matching write. */
	f->no_ioeventfd = true;
	g_assert_cmpint(dm_io_add_eventfd(&vm, false, 0xD0001000, 2, true, 1, fd), ==, 0);
	g_assert_cmpint(dm_io_add_eventfd(&vm, true, 0x600, 2, false, 0, fd), ==, 0);
	g_assert_cmpuint(vm.core->evfds->len, ==, 2);
	q = mmio(true, 0xD0001000, 2, 1);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(evfd_count(fd), ==, 1);
	g_assert_cmpuint(d.accesses, ==, 0);
	q = mmio(true, 0xD0001000, 2, 0); /* data does not match: the device gets it */
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(evfd_count(fd), ==, 0);
	g_assert_cmpuint(d.accesses, ==, 1);
	q = mmio(false, 0xD0001000, 2, 0); /* reads are never posted */
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(d.accesses, ==, 2);
	q = pio(true, 0x600, 2, 0x1234); /* no data match: any value */
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(evfd_count(fd), ==, 1);
	g_assert_cmpint(dm_io_del_eventfd(&vm, true, 0x600, fd), ==, 0);
	q = pio(true, 0x600, 2, 0x1234);
	dm_io_dispatch(&vm, &q);
	g_assert_cmpuint(evfd_count(fd), ==, 0);
	g_assert_cmpint(dm_io_add_eventfd(&vm, true, 0x600, 3, false, 0, fd), ==, -EINVAL);
	close(fd);
	fake_vm_free(&vm, f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	doubles_reset();
	g_test_add_func("/dm-core/io/tables", test_tables);
	g_test_add_func("/dm-core/io/many", test_many);
	g_test_add_func("/dm-core/io/dispatch", test_dispatch);
	g_test_add_func("/dm-core/io/unclaimed-cap", test_unclaimed_cap);
	g_test_add_func("/dm-core/io/pcicfg", test_pcicfg);
	g_test_add_func("/dm-core/io/eventfd", test_eventfd);
	return g_test_run();
}
