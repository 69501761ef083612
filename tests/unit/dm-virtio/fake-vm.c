/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <dm/log.h>
#include <json-glib/json-glib.h>

#include "fake-vm.h"

struct fake_efd {
	bool pio;
	uint64_t addr;
	int fd;
};

struct hook {
	dm_vm_hook_fn fn;
	void *opaque;
};

struct dm_vm_core {
	GMutex lock;
	GArray *pio, *mmio; /* struct dm_io_range */
	GArray *efds;       /* struct fake_efd */
	GArray *reset_hooks, *teardown_hooks;
	fake_msi_fn msi_fn;
	void *msi_opaque;
	unsigned msi_count;
	bool gsi[256];
};

struct dm_vm *fake_vm_new(uint64_t lowmem, unsigned ncpus)
{
	struct dm_vm *vm = g_new0(struct dm_vm, 1);
	struct dm_vm_core *c = g_new0(struct dm_vm_core, 1);

	g_strlcpy(vm->name, "test", sizeof(vm->name));
	vm->ncpus = ncpus;
	vm->lowmem = lowmem;
	vm->ram_low = g_malloc0(lowmem);
	g_mutex_init(&c->lock);
	c->pio = g_array_new(FALSE, FALSE, sizeof(struct dm_io_range));
	c->mmio = g_array_new(FALSE, FALSE, sizeof(struct dm_io_range));
	c->efds = g_array_new(FALSE, FALSE, sizeof(struct fake_efd));
	c->reset_hooks = g_array_new(FALSE, FALSE, sizeof(struct hook));
	c->teardown_hooks = g_array_new(FALSE, FALSE, sizeof(struct hook));
	vm->core = c;
	return vm;
}

void fake_vm_free(struct dm_vm *vm)
{
	struct dm_vm_core *c = vm->core;

	g_array_free(c->pio, TRUE);
	g_array_free(c->mmio, TRUE);
	g_array_free(c->efds, TRUE);
	g_array_free(c->reset_hooks, TRUE);
	g_array_free(c->teardown_hooks, TRUE);
	g_free(c);
	g_free(vm->ram_low);
	g_free(vm);
}

void *dm_gpa2hva(struct dm_vm *vm, uint64_t gpa, size_t len)
{
	if (gpa >= vm->lowmem || len > vm->lowmem - gpa)
		return NULL;
	return vm->ram_low + gpa;
}

int dm_vm_set_gsi(struct dm_vm *vm, unsigned gsi, bool level)
{
	if (gsi >= 256)
		return -EINVAL;
	g_mutex_lock(&vm->core->lock);
	vm->core->gsi[gsi] = level;
	g_mutex_unlock(&vm->core->lock);
	return 0;
}

int dm_vm_pulse_gsi(struct dm_vm *vm, unsigned gsi)
{
	(void)vm;
	(void)gsi;
	return 0;
}

bool fake_gsi_level(struct dm_vm *vm, unsigned gsi)
{
	bool l;

	g_mutex_lock(&vm->core->lock);
	l = vm->core->gsi[gsi];
	g_mutex_unlock(&vm->core->lock);
	return l;
}

int dm_vm_inject_msi(struct dm_vm *vm, uint64_t addr, uint64_t data)
{
	fake_msi_fn fn;
	void *opaque;

	g_mutex_lock(&vm->core->lock);
	vm->core->msi_count++;
	fn = vm->core->msi_fn;
	opaque = vm->core->msi_opaque;
	g_mutex_unlock(&vm->core->lock);
	if (fn)
		fn(opaque, addr, (uint32_t)data);
	return 0;
}

void fake_set_msi_sink(struct dm_vm *vm, fake_msi_fn fn, void *opaque)
{
	g_mutex_lock(&vm->core->lock);
	vm->core->msi_fn = fn;
	vm->core->msi_opaque = opaque;
	g_mutex_unlock(&vm->core->lock);
}

unsigned fake_msi_count(struct dm_vm *vm)
{
	unsigned n;

	g_mutex_lock(&vm->core->lock);
	n = vm->core->msi_count;
	g_mutex_unlock(&vm->core->lock);
	return n;
}

void dm_vm_request_power(struct dm_vm *vm, enum dm_power what)
{
	(void)vm;
	(void)what;
}

static void add_hook(GArray *a, dm_vm_hook_fn fn, void *opaque)
{
	struct hook h = { fn, opaque };

	g_array_append_val(a, h);
}

void dm_vm_add_reset_hook(struct dm_vm *vm, dm_vm_hook_fn fn, void *opaque)
{
	add_hook(vm->core->reset_hooks, fn, opaque);
}

void dm_vm_add_teardown_hook(struct dm_vm *vm, dm_vm_hook_fn fn, void *opaque)
{
	add_hook(vm->core->teardown_hooks, fn, opaque);
}

void fake_vm_reset(struct dm_vm *vm)
{
	for (guint i = 0; i < vm->core->reset_hooks->len; i++) {
		struct hook *h = &g_array_index(vm->core->reset_hooks, struct hook, i);

		h->fn(vm, h->opaque);
	}
}

void fake_vm_teardown(struct dm_vm *vm)
{
	for (guint i = vm->core->teardown_hooks->len; i-- > 0;) {
		struct hook *h = &g_array_index(vm->core->teardown_hooks, struct hook, i);

		h->fn(vm, h->opaque);
	}
	g_array_set_size(vm->core->teardown_hooks, 0);
}

static int add_range(struct dm_vm *vm, GArray *a, const struct dm_io_range *r)
{
	g_mutex_lock(&vm->core->lock);
	for (guint i = 0; i < a->len; i++) {
		struct dm_io_range *o = &g_array_index(a, struct dm_io_range, i);

		if (r->base < o->base + o->len && o->base < r->base + r->len) {
			g_mutex_unlock(&vm->core->lock);
			return -EEXIST;
		}
	}
	g_array_append_val(a, *r);
	g_mutex_unlock(&vm->core->lock);
	return 0;
}

static int del_range(struct dm_vm *vm, GArray *a, uint64_t base)
{
	int ret = -ENOENT;

	g_mutex_lock(&vm->core->lock);
	for (guint i = 0; i < a->len; i++)
		if (g_array_index(a, struct dm_io_range, i).base == base) {
			g_array_remove_index(a, i);
			ret = 0;
			break;
		}
	g_mutex_unlock(&vm->core->lock);
	return ret;
}

int dm_io_register_pio(struct dm_vm *vm, const struct dm_io_range *r)
{
	return add_range(vm, vm->core->pio, r);
}

int dm_io_register_mmio(struct dm_vm *vm, const struct dm_io_range *r)
{
	return add_range(vm, vm->core->mmio, r);
}

int dm_io_unregister_pio(struct dm_vm *vm, uint64_t base)
{
	return del_range(vm, vm->core->pio, base);
}

int dm_io_unregister_mmio(struct dm_vm *vm, uint64_t base)
{
	return del_range(vm, vm->core->mmio, base);
}

bool fake_range_at(struct dm_vm *vm, bool pio, uint64_t base, uint64_t *len)
{
	GArray *a = pio ? vm->core->pio : vm->core->mmio;
	bool found = false;

	g_mutex_lock(&vm->core->lock);
	for (guint i = 0; i < a->len; i++) {
		struct dm_io_range *r = &g_array_index(a, struct dm_io_range, i);

		if (r->base == base) {
			found = true;
			if (len)
				*len = r->len;
		}
	}
	g_mutex_unlock(&vm->core->lock);
	return found;
}

int dm_io_add_eventfd(struct dm_vm *vm, bool pio, uint64_t addr, unsigned len, bool datamatch,
                      uint64_t data, int eventfd)
{
	struct fake_efd e = { pio, addr, eventfd };

	(void)len;
	(void)datamatch;
	(void)data;
	if (fake_eventfd_at(vm, pio, addr) >= 0)
		return -EEXIST;
	g_mutex_lock(&vm->core->lock);
	g_array_append_val(vm->core->efds, e);
	g_mutex_unlock(&vm->core->lock);
	return 0;
}

int dm_io_del_eventfd(struct dm_vm *vm, bool pio, uint64_t addr, int eventfd)
{
	int ret = -ENOENT;

	g_mutex_lock(&vm->core->lock);
	for (guint i = 0; i < vm->core->efds->len; i++) {
		struct fake_efd *e = &g_array_index(vm->core->efds, struct fake_efd, i);

		if (e->pio == pio && e->addr == addr && e->fd == eventfd) {
			g_array_remove_index(vm->core->efds, i);
			ret = 0;
			break;
		}
	}
	g_mutex_unlock(&vm->core->lock);
	return ret;
}

int fake_eventfd_at(struct dm_vm *vm, bool pio, uint64_t addr)
{
	int fd = -1;

	g_mutex_lock(&vm->core->lock);
	for (guint i = 0; i < vm->core->efds->len; i++) {
		struct fake_efd *e = &g_array_index(vm->core->efds, struct fake_efd, i);

		if (e->pio == pio && e->addr == addr)
			fd = e->fd;
	}
	g_mutex_unlock(&vm->core->lock);
	return fd;
}

static int fake_access(struct dm_vm *vm, bool pio, uint64_t addr, bool wr, unsigned size,
                       uint64_t *val)
{
	GArray *a = pio ? vm->core->pio : vm->core->mmio;
	struct dm_io_range r;
	bool found = false;
	int fd;

	if (wr && (fd = fake_eventfd_at(vm, pio, addr)) >= 0) {
		uint64_t one = 1;

		return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
	}
	g_mutex_lock(&vm->core->lock);
	for (guint i = 0; i < a->len && !found; i++) {
		r = g_array_index(a, struct dm_io_range, i);
		found = addr >= r.base && addr - r.base < r.len;
	}
	g_mutex_unlock(&vm->core->lock);
	if (!found) {
		if (!wr)
			*val = ~0ULL;
		return -ENOENT;
	}
	if (!wr)
		*val = 0;
	int ret = r.fn(vm, r.opaque, wr, addr - r.base, size, val);

	if (ret < 0 && !wr)
		*val = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	return ret;
}

int fake_mmio(struct dm_vm *vm, uint64_t addr, bool write, unsigned size, uint64_t *val)
{
	return fake_access(vm, false, addr, write, size, val);
}

int fake_pio(struct dm_vm *vm, uint64_t port, bool write, unsigned size, uint64_t *val)
{
	return fake_access(vm, true, port, write, size, val);
}

static enum dm_log_level level = DM_LOG_WARN;

void dm_log_set_level(enum dm_log_level l)
{
	level = l;
}

void dm_log_set_prefix(const char *vm_name)
{
	(void)vm_name;
}

void dm_log(enum dm_log_level l, const char *fmt, ...)
{
	va_list ap;

	if (l > level)
		return;
	va_start(ap, fmt);
	fputs("# acrn-dm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static char *last_event; /* "NAME DATA_JSON" */

void dm_event_emit(const char *name, JsonObject *data)
{
	g_autoptr(JsonNode) n = json_node_new(JSON_NODE_OBJECT);
	g_autofree char *text = NULL;

	json_node_take_object(n, data ? data : json_object_new());
	text = json_to_string(n, FALSE);
	g_free(last_event);
	last_event = g_strdup_printf("%s %s", name, text);
}

char *fake_last_event(void)
{
	return g_steal_pointer(&last_event);
}
