// SPDX-License-Identifier: BSD-3-Clause
/*
 * IDT with all 256 vectors. Exceptions either resume at an armed recovery
 * point (GUEST_TRY) or end the test as a failure; vectors >= 32 go to the
 * registered handler.
 */
#include "guest.h"

#ifdef __x86_64__
struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t rsvd;
} __attribute__((packed));
#define GATE_SEL GDT_CODE64
#else
struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t zero;
	uint8_t type;
	uint16_t off_hi;
} __attribute__((packed));
#define GATE_SEL GDT_CODE32
#endif

struct idt_desc {
	uint16_t limit;
	uintptr_t base;
} __attribute__((packed));

#define GATE_INTR 0x8e /* present, DPL 0, interrupt gate: IF cleared on entry */
#define STUB_SIZE 16   /* isr.S aligns every stub to 16 bytes */

extern char isr_stubs[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_t irq_handlers[256];

volatile uintptr_t guest_fixup_ip;
volatile int guest_fault_vector = -1;
volatile uintptr_t guest_fault_error;
volatile unsigned int irq_unexpected;

void idt_init(void)
{
	struct idt_desc d;

	for (unsigned int i = 0; i < 256; i++) {
		uintptr_t a = (uintptr_t)isr_stubs + i * STUB_SIZE;

		idt[i].off_lo = (uint16_t)a;
		idt[i].sel = GATE_SEL;
		idt[i].type = GATE_INTR;
#ifdef __x86_64__
		idt[i].ist = 0;
		idt[i].off_mid = (uint16_t)(a >> 16);
		idt[i].off_hi = (uint32_t)(a >> 32);
		idt[i].rsvd = 0;
#else
		idt[i].zero = 0;
		idt[i].off_hi = (uint16_t)(a >> 16);
#endif
	}
	d.limit = sizeof(idt) - 1;
	d.base = (uintptr_t)idt;
	asm volatile("lidt %0" : : "m"(d) : "memory");
}

void irq_set_handler(uint8_t vector, irq_handler_t h)
{
	irq_handlers[vector] = h;
}

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "res", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void isr_dispatch(struct isr_frame *f);

void isr_dispatch(struct isr_frame *f)
{
	unsigned int vec = (unsigned int)f->vector;

	if (vec < 32) {
		if (guest_fixup_ip) {
			guest_fault_vector = (int)vec;
			guest_fault_error = f->error;
			f->ip = guest_fixup_ip;
			guest_fixup_ip = 0;
			return;
		}
		gprintf("FAIL unexpected exception %u (%s) error 0x%lx at ip 0x%lx\n", vec,
		        exc_names[vec] ? exc_names[vec] : "?", (unsigned long)f->error,
		        (unsigned long)f->ip);
		test_fail_msg(TEST_FILE, __LINE__, "unexpected exception");
		test_end();
	}
	if (irq_handlers[vec]) {
		irq_handlers[vec](f);
		return;
	}
	irq_unexpected++;
	gprintf("unexpected interrupt vector 0x%x\n", vec);
	/* The APIC's spurious vector must not be EOI'd; anything else is. */
	if (vec != APIC_SPURIOUS_VEC)
		x2apic_eoi();
}
