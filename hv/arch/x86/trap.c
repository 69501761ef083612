/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IDT, per-pCPU GDT/TSS, and the trap dispatcher. A fault in the hypervisor
 * itself prints a crash report (registers, control registers, a stack dump)
 * and stops the board with a failure code.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/timer.h>

struct x86_tss {
	uint32_t rsv0;
	uint64_t rsp[3];
	uint64_t rsv1;
	uint64_t ist[7];
	uint64_t rsv2;
	uint16_t rsv3, iomap;
} __packed;

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, rsv;
} __packed;

extern const uint64_t trap_stubs[32];
extern const uint8_t trap_ignore[];
extern const uint64_t trap_stub_timer, trap_stub_kick, trap_stub_shutdown, trap_stub_spurious;
extern const uint64_t trap_stub_bridge;

static struct idt_entry idt[256] __aligned(16);
static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
};

static void set_gate(unsigned vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_entry){ .off_lo = (uint16_t)handler,
		                       .sel = 0x08,
		                       .ist = ist,
		                       .type = 0x8E,
		                       .off_mid = (uint16_t)(handler >> 16),
		                       .off_hi = (uint32_t)(handler >> 32) };
}

static void idt_build(void)
{
	for (unsigned i = 0; i < 32; i++)
		set_gate(i, trap_stubs[i], (i == 2 || i == 8 || i == 18) ? 1 : 0);
	for (unsigned i = VECTOR_LEGACY_PIC; i < VECTOR_LEGACY_PIC + 16; i++)
		set_gate(i, (uint64_t)(uintptr_t)trap_ignore, 0);
	set_gate(VECTOR_TIMER, trap_stub_timer, 0);
	set_gate(VECTOR_KICK, trap_stub_kick, 0);
	set_gate(VECTOR_SHUTDOWN, trap_stub_shutdown, 0);
	set_gate(VECTOR_SPURIOUS, trap_stub_spurious, 0);
	set_gate(VECTOR_BRIDGE, trap_stub_bridge, 0);
}

void trap_init_pcpu(struct pcpu *p)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed desc;
	struct x86_tss *tss;
	uint64_t *gdt, base;
	uint8_t *ist;

	if (p->id == 0)
		idt_build();
	/* One page: GDT at the start, TSS after it; IST stack separately. */
	gdt = page_alloc_zeroed();
	ist = page_alloc_zeroed();
	if (!gdt || !ist)
		pcpu_arch_board_off(1);
	tss = (struct x86_tss *)(gdt + 8);
	tss->ist[0] = (uint64_t)(uintptr_t)(ist + PAGE_SIZE);
	tss->iomap = sizeof(*tss);
	base = (uint64_t)(uintptr_t)tss;
	gdt[1] = 0x00af9a000000ffffULL;
	gdt[2] = 0x00cf92000000ffffULL;
	gdt[3] = (sizeof(*tss) - 1) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
	         (((base >> 24) & 0xFF) << 56);
	gdt[4] = base >> 32;
	p->arch.gdt = gdt;
	p->arch.tss = tss;

	desc.limit = 5 * 8 - 1;
	desc.base = (uint64_t)(uintptr_t)gdt;
	__asm__ volatile("lgdt %0" : : "m"(desc));
	__asm__ volatile("pushq $0x08; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:" ::
	                         : "rax", "memory");
	__asm__ volatile("movw %w0, %%ds; movw %w0, %%es; movw %w0, %%ss" : : "r"(0x10));
	__asm__ volatile("ltr %w0" : : "r"(0x18));
	desc.limit = sizeof(idt) - 1;
	desc.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(desc));
}

static void backtrace(uint64_t rbp);

static void crash_report(const struct trap_frame *f)
{
	const uint64_t *sp = (const uint64_t *)(uintptr_t)f->rsp;
	const char *name = f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "?";

	pr_err("HYPERVISOR PANIC: exception %lu (%s), error code 0x%lx\n", f->vector, name,
	       f->error);
	pr_err("  rip %016lx  cs %04lx  rflags %016lx\n", f->rip, f->cs, f->rflags);
	pr_err("  rsp %016lx  ss %04lx  cr2 %016lx cr3 %016lx\n", f->rsp, f->ss, read_cr2(),
	       read_cr3());
	pr_err("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	pr_err("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	pr_err("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	pr_err("  r13 %016lx r14 %016lx r15 %016lx\n", f->r13, f->r14, f->r15);
	/* Only dump a stack we can prove is mapped (the identity map covers 4 GiB). */
	if (f->rsp >= 0x1000 && f->rsp < GiB(4) - 64) {
		for (int i = 0; i < 8; i += 4)
			pr_err("  stack: %016lx %016lx %016lx %016lx\n", sp[i], sp[i + 1],
			       sp[i + 2], sp[i + 3]);
	}
	backtrace(f->rbp);
}

/* Return addresses along the frame-pointer chain (the hypervisor keeps frame pointers). */
static void backtrace(uint64_t rbp)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "  call trace:");

	for (int depth = 0; depth < 8; depth++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;

		if (rbp < 0x1000 || rbp >= GiB(4) - 16 || (rbp & 7))
			break;
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %lx", frame[1]);
		if (frame[0] <= rbp) /* frames grow upwards; anything else is garbage */
			break;
		rbp = frame[0];
	}
	pr_err("%s (addr2line -e acrn.elf ADDR)\n", line);
}

void x86_trap(struct trap_frame *f)
{
	switch (f->vector) {
	case VECTOR_TIMER:
		lapic_eoi();
		timer_softirq();
		return;
	case VECTOR_KICK:
		/* The exit itself was the point; requests are checked by the run loop. */
		lapic_eoi();
		return;
	case VECTOR_SHUTDOWN:
		lapic_eoi();
		for (;;)
			__asm__ volatile("cli; hlt");
	case VECTOR_BRIDGE:
		x86_bridge_irq();
		lapic_eoi();
		return;
	case VECTOR_SPURIOUS:
		return;
	default:
		crash_report(f);
		pcpu_arch_board_off(1);
	}
}
