/* SPDX-License-Identifier: BSD-3-Clause */
/* Test doubles for dm/hw's callees (see doubles.h). */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <dm/io.h>
#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/pci.h>
#include <dm/vm.h>

#include "doubles.h"

struct dm_vm dbl_vm;
bool dbl_gsi_level[32];
unsigned dbl_gsi_rises[32];
enum dm_power dbl_power;
unsigned dbl_power_requests;
char dbl_event[64];
int64_t dbl_event_delta;
unsigned dbl_events;

static struct dm_io_range ranges[32];
static unsigned nranges;
static struct {
	dm_vm_hook_fn fn;
	void *opaque;
} reset_hooks[16], teardown_hooks[16];
static unsigned nreset, nteardown;
static uint8_t *ram;

static struct {
	struct pci_dev dev;
	unsigned gsi;
	bool used;
} pci[PCI_SLOTS][PCI_FUNCS];
static const struct pci_dev_ops *emulations[8];
static unsigned nemulations;

void dbl_reset(unsigned ncpus)
{
	if (!ram)
		ram = g_malloc0(DBL_RAM_SIZE);
	memset(&dbl_vm, 0, sizeof(dbl_vm));
	g_strlcpy(dbl_vm.name, "test", sizeof(dbl_vm.name));
	dbl_vm.ncpus = ncpus;
	dbl_vm.lowmem = DBL_RAM_SIZE;
	dbl_vm.ram_low = ram;
	memset(dbl_gsi_level, 0, sizeof(dbl_gsi_level));
	memset(dbl_gsi_rises, 0, sizeof(dbl_gsi_rises));
	dbl_power = DM_POWER_NONE;
	dbl_power_requests = 0;
	dbl_event[0] = 0;
	dbl_events = 0;
	nranges = nreset = nteardown = 0;
	memset(pci, 0, sizeof(pci));
}

int dm_io_register_pio(struct dm_vm *vm, const struct dm_io_range *r)
{
	g_assert_true(vm == &dbl_vm);
	for (unsigned i = 0; i < nranges; i++)
		if (r->base < ranges[i].base + ranges[i].len && ranges[i].base < r->base + r->len)
			return -EEXIST;
	g_assert_cmpuint(nranges, <, G_N_ELEMENTS(ranges));
	ranges[nranges++] = *r;
	return 0;
}

bool dbl_pio_registered(uint16_t base, uint64_t len)
{
	for (unsigned i = 0; i < nranges; i++)
		if (ranges[i].base == base && ranges[i].len == len)
			return true;
	return false;
}

int dbl_pio(uint16_t port, bool write, unsigned size, uint64_t *val)
{
	for (unsigned i = 0; i < nranges; i++) {
		struct dm_io_range *r = &ranges[i];

		if (port >= r->base && port + size <= r->base + r->len)
			return r->fn(&dbl_vm, r->opaque, write, port - r->base, size, val);
	}
	return -ENOENT;
}

uint8_t dbl_inb(uint16_t port)
{
	uint64_t v = 0;

	g_assert_cmpint(dbl_pio(port, false, 1, &v), ==, 0);
	g_assert_cmpuint(v, <=, 0xFF);
	return (uint8_t)v;
}

void dbl_outb(uint16_t port, uint8_t v)
{
	uint64_t val = v;

	g_assert_cmpint(dbl_pio(port, true, 1, &val), ==, 0);
}

void *dm_gpa2hva(struct dm_vm *vm, uint64_t gpa, size_t len)
{
	if (gpa >= vm->lowmem || len > vm->lowmem - gpa)
		return NULL;
	return vm->ram_low + gpa;
}

int dm_vm_set_gsi(struct dm_vm *vm, unsigned gsi, bool level)
{
	g_assert_true(vm == &dbl_vm);
	g_assert_cmpuint(gsi, <, 32);
	if (level && !dbl_gsi_level[gsi])
		dbl_gsi_rises[gsi]++;
	dbl_gsi_level[gsi] = level;
	return 0;
}

void dm_vm_request_power(struct dm_vm *vm, enum dm_power what)
{
	g_assert_true(vm == &dbl_vm);
	dbl_power = what;
	dbl_power_requests++;
}

void dm_vm_add_reset_hook(struct dm_vm *vm, dm_vm_hook_fn fn, void *opaque)
{
	(void)vm;
	g_assert_cmpuint(nreset, <, G_N_ELEMENTS(reset_hooks));
	reset_hooks[nreset].fn = fn;
	reset_hooks[nreset++].opaque = opaque;
}

void dm_vm_add_teardown_hook(struct dm_vm *vm, dm_vm_hook_fn fn, void *opaque)
{
	(void)vm;
	g_assert_cmpuint(nteardown, <, G_N_ELEMENTS(teardown_hooks));
	teardown_hooks[nteardown].fn = fn;
	teardown_hooks[nteardown++].opaque = opaque;
}

void dbl_run_reset_hooks(void)
{
	for (unsigned i = 0; i < nreset; i++)
		reset_hooks[i].fn(&dbl_vm, reset_hooks[i].opaque);
}

void dbl_run_teardown_hooks(void)
{
	while (nteardown) {
		nteardown--;
		teardown_hooks[nteardown].fn(&dbl_vm, teardown_hooks[nteardown].opaque);
	}
}

void dm_event_emit(const char *name, JsonObject *data)
{
	g_strlcpy(dbl_event, name, sizeof(dbl_event));
	dbl_events++;
	if (data && json_object_has_member(data, "delta"))
		dbl_event_delta = json_object_get_int_member(data, "delta");
	if (data)
		json_object_unref(data);
}

void dm_log(enum dm_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	if (!g_test_verbose())
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- PCI ---- */

struct pci_dev *dbl_pci_add(unsigned slot, unsigned func, uint8_t pin, unsigned gsi)
{
	struct pci_dev *d = &pci[slot][func].dev;

	pci[slot][func].used = true;
	pci[slot][func].gsi = gsi;
	d->vm = &dbl_vm;
	d->slot = (uint8_t)slot;
	d->func = (uint8_t)func;
	d->cfg[0x3D] = pin;
	return d;
}

struct pci_dev *pci_find(struct dm_vm *vm, unsigned slot, unsigned func)
{
	(void)vm;
	if (slot >= PCI_SLOTS || func >= PCI_FUNCS || !pci[slot][func].used)
		return NULL;
	return &pci[slot][func].dev;
}

unsigned pci_intx_gsi(const struct pci_dev *d)
{
	return pci[d->slot][d->func].gsi;
}

uint8_t pci_get8(const struct pci_dev *d, unsigned off)
{
	g_assert_cmpuint(off, <, PCI_CFG_SIZE);
	return d->cfg[off];
}

uint16_t pci_get16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_get8(d, off) | pci_get8(d, off + 1) << 8);
}

void pci_set8(struct pci_dev *d, unsigned off, uint8_t v)
{
	g_assert_cmpuint(off, <, PCI_CFG_SIZE);
	d->cfg[off] = v;
}

void pci_set16(struct pci_dev *d, unsigned off, uint16_t v)
{
	pci_set8(d, off, (uint8_t)v);
	pci_set8(d, off + 1, (uint8_t)(v >> 8));
}

void pci_set32(struct pci_dev *d, unsigned off, uint32_t v)
{
	pci_set16(d, off, (uint16_t)v);
	pci_set16(d, off + 2, (uint16_t)(v >> 16));
}

void pci_register_emulation(const struct pci_dev_ops *ops)
{
	g_assert_cmpuint(nemulations, <, G_N_ELEMENTS(emulations));
	emulations[nemulations++] = ops;
}

const struct pci_dev_ops *dbl_pci_emulation(const char *name)
{
	for (unsigned i = 0; i < nemulations; i++)
		if (!strcmp(emulations[i]->name, name))
			return emulations[i];
	return NULL;
}
