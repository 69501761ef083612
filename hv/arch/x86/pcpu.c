/* SPDX-License-Identifier: BSD-3-Clause */
/* pCPU hooks, bring-up of the application processors, board power-off. */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/x86_vcpu.h>
#include <hv/boot.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>

#define TRAMPOLINE_PA  0x7000
#define AP_STACK_PAGES 4

extern uint8_t ap_tramp_start[], ap_tramp_end[], tr_cr3[], tr_stack[], tr_pcpu[];

struct pcpu *pcpu_arch_this(void)
{
	struct pcpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

void cpu_relax(void)
{
	__asm__ volatile("pause");
}

void pcpu_arch_idle(void)
{
	/* STI's one-instruction shadow makes "sti; hlt" race-free. */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void pcpu_arch_send_ipi(cpuid_t target, enum ipi_kind kind)
{
	lapic_send_ipi(pcpus[target].hw_id, kind == IPI_KICK ? VECTOR_KICK : VECTOR_SHUTDOWN);
}

void pcpu_arch_board_off(int code)
{
	irq_disable();
	pr_info("board power-off (%s)\n", code ? "failure" : "orderly");
	for (unsigned i = 0; i < nr_pcpus; i++) {
		if (pcpus[i].online && &pcpus[i] != this_pcpu())
			lapic_send_ipi(pcpus[i].hw_id, VECTOR_SHUTDOWN);
	}
	/* QEMU's isa-debug-exit device (the emulated board's power switch). */
	outl(0xF4, (uint32_t)code);
	/* Bochs has no isa-debug-exit but a shutdown port; the console line carries the code. */
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void x86_pcpu_set_self(struct pcpu *p)
{
	p->self = p;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)p);
}

/* Per-pCPU setup shared by the BSP and the APs. */
void x86_pcpu_init(struct pcpu *p)
{
	int err;

	trap_init_pcpu(p);
	lapic_init();
	if (x86_features.xsave) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv(0, x86_features.xcr0_max);
	}
	err = x86_vendor->pcpu_enable(p);
	if (err) {
		pr_err("pCPU %u: cannot enable %s (error %d)\n", p->id, x86_vendor->name, err);
		pcpu_arch_board_off(1);
	}
}

void ap_entry64(struct pcpu *p)
{
	x86_pcpu_set_self(p);
	x86_pcpu_init(p);
	pcpu_secondary_main(p);
}

void pcpu_arch_start_secondaries(void)
{
	uint8_t *tramp = hpa_to_ptr(TRAMPOLINE_PA);

	memcpy(tramp, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	for (unsigned i = 1; i < nr_pcpus; i++) {
		struct pcpu *p = &pcpus[i];
		paddr_t stack = page_pool_alloc(&hv_pages, AP_STACK_PAGES, 1);
		uint64_t deadline;

		if (!stack) {
			pr_err("pCPU %u: no memory for its stack\n", i);
			continue;
		}
		p->stack_top = hpa_to_ptr(stack + AP_STACK_PAGES * PAGE_SIZE);
		*(uint64_t *)(tramp + (tr_cr3 - ap_tramp_start)) = read_cr3();
		*(uint64_t *)(tramp + (tr_stack - ap_tramp_start)) =
		        (uint64_t)(uintptr_t)p->stack_top;
		*(uint64_t *)(tramp + (tr_pcpu - ap_tramp_start)) = (uint64_t)(uintptr_t)p;
		lapic_send_init_sipi(p->hw_id, TRAMPOLINE_PA >> 12);
		deadline = rdtsc() + us_to_ticks(1000000);
		while (!p->online && rdtsc() < deadline)
			cpu_relax();
		if (!p->online)
			pr_err("pCPU %u (APIC id %u) did not come up\n", i, p->hw_id);
	}
	pr_info("%u pCPU(s) online\n", nr_pcpus);
}
