// SPDX-License-Identifier: BSD-3-Clause
#include "guest.h"

static const char *test_name = "unnamed";
static unsigned int test_passed, test_failed;

/*
 * Our VMs have no 8259 PIC (ports 0x21/0xa1 are unhandled there, so this is
 * two dropped writes), but elsewhere, e.g. Bochs or hardware, a live PIC
 * would deliver its timer IRQ on vector 8 once a test enables interrupts,
 * where it looks like a #DF.
 */
static void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void test_start(const char *name)
{
	test_name = name;
	pic_mask_all();
	console_init();
	idt_init();
	gprintf("START %s (vcpu %u)\n", name, guest_vcpu_index);
}

static const char *const op_want[] = {
	[TEST_OP_EQ] = "",    [TEST_OP_NE] = "!= ", [TEST_OP_TRUE] = "",
	[TEST_OP_GE] = ">= ", [TEST_OP_LE] = "<= ",
};

bool test_check(enum test_op op, uint64_t got, uint64_t want, const char *file, int line,
                const char *expr)
{
	bool ok;

	switch (op) {
	case TEST_OP_EQ:
	case TEST_OP_TRUE:
		ok = got == want;
		break;
	case TEST_OP_NE:
		ok = got != want;
		break;
	case TEST_OP_GE:
		ok = got >= want;
		break;
	case TEST_OP_LE:
		ok = got <= want;
		break;
	default:
		ok = false;
		break;
	}
	if (ok) {
		test_passed++;
		return true;
	}
	test_failed++;
	gprintf("FAIL %s:%d: %s (got 0x%llx, want %s0x%llx)\n", file, line, expr,
	        (unsigned long long)got, op_want[op], (unsigned long long)want);
	return false;
}

void test_fail_msg(const char *file, int line, const char *msg)
{
	test_failed++;
	gprintf("FAIL %s:%d: %s\n", file, line, msg);
}

unsigned int test_failed_count(void)
{
	return test_failed;
}

void test_report(void)
{
	gprintf("RESULT %s: %u passed, %u failed\n", test_name, test_passed, test_failed);
}

void test_end(void)
{
	test_report();
	guest_poweroff();
}

void guest_poweroff(void)
{
	irq_disable();
	outb(PM1_SLEEP_CTL, SLEEP_POWEROFF);
	/*
	 * Still running: not under our hypervisor. Plain QEMU runs of the
	 * library use isa-debug-exit at 0xf4; under the hypervisor that port
	 * is unhandled and the write is dropped.
	 */
	outb(0xf4, 0);
	for (;;)
		asm volatile("cli; hlt");
}
