/* SPDX-License-Identifier: BSD-3-Clause */
/* The I/O bus: dispatch by range, and its last-lookup cache never answering stale. */
#include <glib.h>
#include <hv/io.h>
#include <hv/log.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

static int nr_warnings;
static int hits[3];
static struct vm vm;
static struct vcpu vcpu = { .vm = &vm };

void log_printf(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
	nr_warnings++;
}

const char *vm_name(const struct vm *vm)
{
	(void)vm;
	return "test";
}

static int dev_read(struct vcpu *v, void *opaque, uint64_t offset, unsigned width, uint64_t *val)
{
	(void)v;
	(void)width;
	hits[(uintptr_t)opaque]++;
	*val = 0x10 * (uintptr_t)opaque + offset;
	return 0;
}

static int dev_write(struct vcpu *v, void *opaque, uint64_t offset, unsigned width, uint64_t val)
{
	(void)v;
	(void)offset;
	(void)width;
	(void)val;
	hits[(uintptr_t)opaque]++;
	return 0;
}

static struct io_handler dev(uint64_t base, uint64_t size, uintptr_t id)
{
	return (struct io_handler){ .base = base,
		                    .size = size,
		                    .read = dev_read,
		                    .write = dev_write,
		                    .opaque = (void *)id };
}

static void test_repeated_hits(void)
{
	struct io_bus bus = { 0 };
	struct io_handler a = dev(0x70, 2, 1), b = dev(0x3f8, 8, 2);
	uint64_t val;

	g_assert_cmpint(io_bus_register(&bus, &a), ==, 0);
	g_assert_cmpint(io_bus_register(&bus, &b), ==, 0);
	hits[1] = hits[2] = 0;
	for (int i = 0; i < 3; i++) {
		io_bus_read(&bus, &vcpu, 0x3fd, 1, &val);
		g_assert_cmphex(val, ==, 0x25);
	}
	io_bus_read(&bus, &vcpu, 0x71, 1, &val);
	g_assert_cmphex(val, ==, 0x11);
	/* Same address, other width: a different key, and this one does not fit. */
	io_bus_read(&bus, &vcpu, 0x71, 2, &val);
	g_assert_cmphex(val, ==, 0xFFFF);
	io_bus_read(&bus, &vcpu, 0x71, 1, &val);
	g_assert_cmphex(val, ==, 0x11);
	g_assert_cmpint(hits[2], ==, 3);
	g_assert_cmpint(hits[1], ==, 2);
}

static void test_cached_miss_then_register(void)
{
	struct io_bus bus = { 0 };
	struct io_handler a = dev(0x80, 1, 1);
	uint64_t val;

	nr_warnings = 0;
	hits[1] = 0;
	io_bus_write(&bus, &vcpu, 0x80, 1, 0);
	io_bus_write(&bus, &vcpu, 0x80, 1, 0);
	g_assert_false(io_bus_claims(&bus, 0x80, 1));
	g_assert_cmpint(nr_warnings, ==, 2);
	/* The remembered miss must not hide a device registered afterwards. */
	g_assert_cmpint(io_bus_register(&bus, &a), ==, 0);
	g_assert_true(io_bus_claims(&bus, 0x80, 1));
	io_bus_read(&bus, &vcpu, 0x80, 1, &val);
	g_assert_cmphex(val, ==, 0x10);
	g_assert_cmpint(hits[1], ==, 1);
}

static void test_high_addresses_not_aliased(void)
{
	struct io_bus bus = { 0 };
	struct io_handler a = dev(0xFED00000, 0x1000, 1);
	uint64_t val;

	g_assert_cmpint(io_bus_register(&bus, &a), ==, 0);
	io_bus_read(&bus, &vcpu, 0xFED00010, 4, &val);
	g_assert_cmphex(val, ==, 0x20);
	/* Shifted into the key, this address would collide with the one above. */
	g_assert_false(io_bus_claims(&bus, 0xFED00010 | (1ULL << 56), 4));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/io-bus/repeated-hits", test_repeated_hits);
	g_test_add_func("/io-bus/cached-miss-then-register", test_cached_miss_then_register);
	g_test_add_func("/io-bus/high-addresses-not-aliased", test_high_addresses_not_aliased);
	return g_test_run();
}
