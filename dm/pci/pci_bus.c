/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bus 0: the emulation table, -s parsing, BAR placement, the three ways to
 * reach config space (0xCF8/0xCFC, ECAM, PCICFG ioreqs), guest reset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dm/io.h>
#include <dm/log.h>
#include <dm/vm.h>

#include "pci_internal.h"

#define PCI_ERROR       (g_quark_from_static_string("dm-pci"))

#define CONF1_ADDR_PORT 0xCF8
#define CONF1_DATA_PORT 0xCFC
#define CONF1_ENABLE    0x80000000u
#define ECAM_SIZE       0x10000000ULL

static GMutex registry_lock;
static GPtrArray *emulations; /* const struct pci_dev_ops * */
static GSList *buses;         /* struct pci_bus *, one per VM */

void pci_register_emulation(const struct pci_dev_ops *ops)
{
	g_mutex_lock(&registry_lock);
	if (!emulations)
		emulations = g_ptr_array_new();
	g_ptr_array_add(emulations, (gpointer)ops);
	g_mutex_unlock(&registry_lock);
}

static const struct pci_dev_ops *find_emulation(const char *name)
{
	const struct pci_dev_ops *found = NULL;

	g_mutex_lock(&registry_lock);
	for (guint i = 0; emulations && i < emulations->len && !found; i++) {
		const struct pci_dev_ops *ops = g_ptr_array_index(emulations, i);

		if (strcmp(ops->name, name) == 0)
			found = ops;
	}
	g_mutex_unlock(&registry_lock);
	return found;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a, b, c" for error messages. */
static char *known_emulations(void)
{
	GPtrArray *names = g_ptr_array_new();
	char *s;

	g_mutex_lock(&registry_lock);
	for (guint i = 0; emulations && i < emulations->len; i++)
		g_ptr_array_add(names, (gpointer)((const struct pci_dev_ops *)g_ptr_array_index(
		                                          emulations, i))
		                               ->name);
	g_mutex_unlock(&registry_lock);
	g_ptr_array_sort(names, by_name);
	g_ptr_array_add(names, NULL);
	s = names->len > 1 ? g_strjoinv(", ", (char **)names->pdata) : g_strdup("none");
	g_ptr_array_free(names, TRUE);
	return s;
}

struct pci_bus *pci_bus_of(struct dm_vm *vm, bool create)
{
	struct pci_bus *bus = NULL;

	g_mutex_lock(&registry_lock);
	for (GSList *l = buses; l; l = l->next)
		if (((struct pci_bus *)l->data)->vm == vm)
			bus = l->data;
	if (!bus && create) {
		bus = g_new0(struct pci_bus, 1);
		bus->vm = vm;
		g_mutex_init(&bus->intx_lock);
		buses = g_slist_prepend(buses, bus);
	}
	g_mutex_unlock(&registry_lock);
	return bus;
}

struct pci_dev *pci_find(struct dm_vm *vm, unsigned slot, unsigned func)
{
	struct pci_bus *bus = pci_bus_of(vm, false);

	if (!bus || slot >= PCI_SLOTS || func >= PCI_FUNCS)
		return NULL;
	return bus->dev[slot][func];
}

/* A decimal number in [0, max]; the whole string. */
static bool parse_num(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!*s || !g_ascii_isdigit(*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

int pci_add_from_arg(struct dm_vm *vm, const char *arg, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(arg, ",", 3);
	g_auto(GStrv) sf = NULL;
	const struct pci_dev_ops *ops;
	struct pci_bus *bus;
	struct pci_dev *d;
	unsigned slot, func = 0;
	int ret;

	if (!parts[0] || !parts[1] || !*parts[1]) {
		g_set_error(error, PCI_ERROR, EINVAL, "expected slot[:func],emulation[,options]");
		return -EINVAL;
	}
	sf = g_strsplit(parts[0], ":", 3);
	if (!sf[0] || !parse_num(sf[0], PCI_SLOTS - 1, &slot)) {
		g_set_error(error, PCI_ERROR, EINVAL, "slot '%s' is not a number from 0 to %d",
		            sf[0] ? sf[0] : "", PCI_SLOTS - 1);
		return -EINVAL;
	}
	if (sf[1] && (sf[2] || !parse_num(sf[1], PCI_FUNCS - 1, &func))) {
		g_set_error(error, PCI_ERROR, EINVAL, "function '%s' is not a number from 0 to %d",
		            sf[2] ? parts[0] + strlen(sf[0]) + 1 : sf[1], PCI_FUNCS - 1);
		return -EINVAL;
	}
	ops = find_emulation(parts[1]);
	if (!ops) {
		g_autofree char *known = known_emulations();

		g_set_error(error, PCI_ERROR, ENOENT, "unknown emulation '%s' (known: %s)",
		            parts[1], known);
		return -ENOENT;
	}
	bus = pci_bus_of(vm, true);
	if (bus->realized) {
		g_set_error(error, PCI_ERROR, EBUSY, "the PCI bus is already set up");
		return -EBUSY;
	}
	if (bus->dev[slot][func]) {
		g_set_error(error, PCI_ERROR, EEXIST, "slot %u function %u is already taken by %s",
		            slot, func, bus->dev[slot][func]->ops->name);
		return -EEXIST;
	}
	d = g_new0(struct pci_dev, 1);
	d->core = g_new0(struct pci_dev_core, 1);
	d->core->bus = bus;
	d->vm = vm;
	d->slot = (uint8_t)slot;
	d->func = (uint8_t)func;
	d->ops = ops;
	pci_core_init_dev(d);
	for (int i = 0; i < PCI_BARS; i++) {
		d->core->bar[i].d = d;
		d->core->bar[i].idx = i;
		g_snprintf(d->core->bar[i].name, sizeof(d->core->bar[i].name),
		           "pci %02x.%x %s bar%d", slot, func, ops->name, i);
	}
	ret = ops->init ? ops->init(d, parts[2], error) : 0;
	if (ret < 0) {
		if (error && !*error)
			g_set_error(error, PCI_ERROR, -ret, "%s: %s", ops->name, g_strerror(-ret));
		pci_msix_free(d);
		g_rec_mutex_clear(&d->core->lock);
		g_free(d->core);
		g_free(d);
		return ret;
	}
	bus->dev[slot][func] = d;
	return 0;
}

void pci_cfg_access(struct dm_vm *vm, unsigned bus_nr, unsigned slot, unsigned func, unsigned reg,
                    unsigned size, bool write, uint32_t *val)
{
	struct pci_dev *d = bus_nr == 0 ? pci_find(vm, slot, func) : NULL;
	bool ok = (size == 1 || size == 2 || size == 4) && !(reg & (size - 1)) &&
	          reg + size <= PCI_CFG_SIZE;

	if (!d || !ok) {
		/* Nobody answers: master abort, all ones. */
		if (!write)
			*val = size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
		return;
	}
	if (write)
		pci_cfg_write(d, reg, size, *val);
	else
		pci_cfg_read(d, reg, size, val);
}

static int conf1_addr(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                      uint64_t *val)
{
	struct pci_bus *bus = opaque;

	(void)vm;
	/* Only dword accesses latch CONFIG_ADDRESS; bytes at 0xCF9 are the reset register's. */
	if (offset != 0 || size != 4)
		return -EINVAL;
	if (write)
		bus->cf8 = (uint32_t)*val & 0x8FFFFFFCu;
	else
		*val = bus->cf8;
	return 0;
}

static int conf1_data(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                      uint64_t *val)
{
	struct pci_bus *bus = opaque;
	uint32_t a = bus->cf8, v = (uint32_t)*val;
	/* Bits 27:24 extend the register number (AMD's extended configuration access). */
	unsigned reg = (a & 0xFC) | ((a >> 16) & 0xF00) | (unsigned)offset;

	if (!(a & CONF1_ENABLE)) {
		if (!write)
			*val = size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
		return 0;
	}
	pci_cfg_access(vm, (a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7, reg, size, write, &v);
	if (!write)
		*val = v;
	return 0;
}

static int ecam(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                uint64_t *val)
{
	uint32_t v = (uint32_t)*val;

	(void)opaque;
	if (size > 4)
		return -EINVAL;
	pci_cfg_access(vm, (unsigned)(offset >> 20), (unsigned)(offset >> 15) & 0x1F,
	               (unsigned)(offset >> 12) & 7, (unsigned)offset & 0xFFF, size, write, &v);
	if (!write)
		*val = v;
	return 0;
}

struct bar_slot {
	struct pci_dev *d;
	int idx;
};

static gint by_size_desc(gconstpointer a, gconstpointer b)
{
	const struct bar_slot *x = a, *y = b;
	uint64_t sx = x->d->bar[x->idx].size, sy = y->d->bar[y->idx].size;

	return sx < sy ? 1 : sx > sy ? -1 : 0;
}

/* Place every BAR of one kind, largest first, naturally aligned. */
static int place_bars(struct pci_bus *bus, enum pci_bar_type type, uint64_t base, uint64_t end,
                      const char *window, GError **error)
{
	GArray *list = g_array_new(FALSE, FALSE, sizeof(struct bar_slot));
	uint64_t next = base;
	int ret = 0;

	for (unsigned s = 0; s < PCI_SLOTS; s++)
		for (unsigned f = 0; f < PCI_FUNCS; f++)
			for (int i = 0; bus->dev[s][f] && i < PCI_BARS; i++)
				if (bus->dev[s][f]->bar[i].type == type)
					g_array_append_val(
					        list, ((struct bar_slot){ bus->dev[s][f], i }));
	g_array_sort(list, by_size_desc);
	for (guint k = 0; k < list->len; k++) {
		struct bar_slot *b = &g_array_index(list, struct bar_slot, k);
		uint64_t size = b->d->bar[b->idx].size, at = (next + size - 1) & ~(size - 1);

		if (at < next || at + size > end || at + size < at) {
			g_set_error(error, PCI_ERROR, ENOSPC,
			            "the PCI %s window is full: no room for BAR %d of %02x.%x (%s, "
			            "0x%llx bytes)",
			            window, b->idx, b->d->slot, b->d->func, b->d->ops->name,
			            (unsigned long long)size);
			ret = -ENOSPC;
			break;
		}
		pci_bar_write_addr(b->d, b->idx, at);
		next = at + size;
	}
	g_array_free(list, TRUE);
	return ret;
}

static void bus_reset(struct dm_vm *vm, void *opaque)
{
	struct pci_bus *bus = opaque;

	(void)vm;
	bus->cf8 = 0;
	for (unsigned s = 0; s < PCI_SLOTS; s++) {
		for (unsigned f = 0; f < PCI_FUNCS; f++) {
			struct pci_dev *d = bus->dev[s][f];

			if (!d)
				continue;
			g_rec_mutex_lock(&d->core->lock);
			pci_bar_unmap_all(d);
			memcpy(d->cfg, d->core->reset_cfg, PCI_CFG_SIZE);
			pci_msix_reset(d);
			d->core->intx_level = false;
			pci_intx_update(d);
			for (int i = 0; i < PCI_BARS; i++)
				pci_bar_update(d, i);
			g_rec_mutex_unlock(&d->core->lock);
			if (d->ops->reset)
				d->ops->reset(d);
		}
	}
}

static void bus_teardown(struct dm_vm *vm, void *opaque)
{
	struct pci_bus *bus = opaque;

	(void)vm;
	for (unsigned s = 0; s < PCI_SLOTS; s++) {
		for (unsigned f = 0; f < PCI_FUNCS; f++) {
			struct pci_dev *d = bus->dev[s][f];

			if (!d)
				continue;
			g_rec_mutex_lock(&d->core->lock);
			pci_bar_unmap_all(d);
			g_rec_mutex_unlock(&d->core->lock);
			if (d->ops->deinit)
				d->ops->deinit(d);
			pci_msix_free(d);
			g_free(d->core->reset_cfg);
			g_rec_mutex_clear(&d->core->lock);
			g_free(d->core);
			g_free(d);
			bus->dev[s][f] = NULL;
		}
	}
	dm_io_unregister_pio(bus->vm, CONF1_ADDR_PORT);
	dm_io_unregister_pio(bus->vm, CONF1_DATA_PORT);
	dm_io_unregister_mmio(bus->vm, DM_PCI_ECAM);
	g_mutex_lock(&registry_lock);
	buses = g_slist_remove(buses, bus);
	g_mutex_unlock(&registry_lock);
	g_mutex_clear(&bus->intx_lock);
	g_free(bus);
}

int pci_bus_realize(struct dm_vm *vm, GError **error)
{
	struct pci_bus *bus = pci_bus_of(vm, true);
	struct dm_io_range r;
	int ret;

	if (bus->realized) {
		g_set_error(error, PCI_ERROR, EALREADY, "the PCI bus is already set up");
		return -EALREADY;
	}
	for (unsigned s = 0; s < PCI_SLOTS; s++) {
		bool multi = false;

		for (unsigned f = 1; f < PCI_FUNCS; f++)
			if (bus->dev[s][f]) {
				multi = true;
				if (!bus->dev[s][0]) {
					g_set_error(error, PCI_ERROR, EINVAL,
					            "slot %u has function %u (%s) but no function "
					            "0: the guest "
					            "would not find it",
					            s, f, bus->dev[s][f]->ops->name);
					return -EINVAL;
				}
			}
		if (multi)
			bus->dev[s][0]->cfg[PCI_HEADER_TYPE] |= 0x80;
	}
	ret = place_bars(bus, PCI_BAR_IO, PCI_IO_WINDOW, PCI_IO_WINDOW_END, "I/O", error);
	if (!ret)
		ret = place_bars(bus, PCI_BAR_MEM32, DM_PCI_MMIO32, DM_PCI_MMIO32_END,
		                 "32-bit memory", error);
	if (!ret)
		ret = place_bars(bus, PCI_BAR_MEM64, DM_PCI_MMIO64, PCI_MMIO64_END, "64-bit memory",
		                 error);
	if (ret)
		return ret;

	r = (struct dm_io_range){ .name = "pci config address",
		                  .base = CONF1_ADDR_PORT,
		                  .len = 1,
		                  .fn = conf1_addr,
		                  .opaque = bus,
		                  .by_first_port = true };
	ret = dm_io_register_pio(vm, &r);
	if (!ret) {
		r = (struct dm_io_range){ .name = "pci config data",
			                  .base = CONF1_DATA_PORT,
			                  .len = 4,
			                  .fn = conf1_data,
			                  .opaque = bus };
		ret = dm_io_register_pio(vm, &r);
	}
	if (!ret) {
		r = (struct dm_io_range){ .name = "pci ecam",
			                  .base = DM_PCI_ECAM,
			                  .len = ECAM_SIZE,
			                  .fn = ecam,
			                  .opaque = bus };
		ret = dm_io_register_mmio(vm, &r);
	}
	if (ret) {
		g_set_error(error, PCI_ERROR, -ret,
		            "cannot register the PCI configuration ports: %s", g_strerror(-ret));
		return ret;
	}

	/* As firmware would: decoding on, the interrupt line holds the GSI. */
	for (unsigned s = 0; s < PCI_SLOTS; s++) {
		for (unsigned f = 0; f < PCI_FUNCS; f++) {
			struct pci_dev *d = bus->dev[s][f];
			uint16_t cmd = 0;

			if (!d)
				continue;
			for (int i = 0; i < PCI_BARS; i++)
				cmd |= d->bar[i].type == PCI_BAR_IO     ? PCI_CMD_IO
				       : d->bar[i].type != PCI_BAR_NONE ? PCI_CMD_MEM
				                                        : 0;
			pci_set16(d, PCI_COMMAND, pci_get16(d, PCI_COMMAND) | cmd);
			if (d->cfg[PCI_INTERRUPT_PIN])
				d->cfg[PCI_INTERRUPT_LINE] = (uint8_t)pci_intx_gsi(d);
			d->core->reset_cfg = g_memdup2(d->cfg, PCI_CFG_SIZE);
			g_rec_mutex_lock(&d->core->lock);
			for (int i = 0; i < PCI_BARS; i++)
				pci_bar_update(d, i);
			g_rec_mutex_unlock(&d->core->lock);
		}
	}
	dm_vm_add_reset_hook(vm, bus_reset, bus);
	dm_vm_add_teardown_hook(vm, bus_teardown, bus);
	bus->realized = true;
	return 0;
}
