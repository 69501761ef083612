// SPDX-License-Identifier: BSD-3-Clause
/*
 * The smallest SVM host that can measure exit cost: one VMCB, an NPT that
 * maps the first GiB 1:1, and a 32-bit guest (guest.S) that makes N
 * intercepted port writes and N reads from an NPT hole. Exits are handled
 * with no decoding at all: the IOIO exit gives the next RIP, and the MMIO
 * instruction is known to be 2 bytes long. The rates it prints are the
 * floor for any hypervisor on this board; tests/bench/hv-exits divides ours
 * by them. Layouts and bit numbers follow the AMD APM vol. 2, appendix B.
 */
#include <stdbool.h>
#include <stdint.h>

#include "baseline.h"

#define MMIO_HOLE 0xfeb00008ull

/* VMCB control area. */
#define VMCB_INTERCEPT_EXC   0x008
#define VMCB_INTERCEPT_MISC1 0x00c
#define VMCB_INTERCEPT_MISC2 0x010
#define VMCB_IOPM_BASE       0x040
#define VMCB_MSRPM_BASE      0x048
#define VMCB_ASID            0x058
#define VMCB_TLB_CONTROL     0x05c
#define VMCB_EXITCODE        0x070
#define VMCB_EXITINFO1       0x078
#define VMCB_EXITINFO2       0x080
#define VMCB_NP_ENABLE       0x090
#define VMCB_NCR3            0x0b0
/* VMCB state save area. */
#define VMCB_ES         0x400
#define VMCB_CS         0x410
#define VMCB_SS         0x420
#define VMCB_DS         0x430
#define VMCB_FS         0x440
#define VMCB_GS         0x450
#define VMCB_GDTR       0x460
#define VMCB_LDTR       0x470
#define VMCB_IDTR       0x480
#define VMCB_TR         0x490
#define VMCB_CPL        0x4cb
#define VMCB_EFER       0x4d0
#define VMCB_CR4        0x548
#define VMCB_CR3        0x550
#define VMCB_CR0        0x558
#define VMCB_DR7        0x560
#define VMCB_DR6        0x568
#define VMCB_RFLAGS     0x570
#define VMCB_RIP        0x578
#define VMCB_RSP        0x5d8
#define VMCB_RAX        0x5f8
#define VMCB_GPAT       0x668

#define MISC1_CPUID     (1u << 18)
#define MISC1_HLT       (1u << 24)
#define MISC1_IOIO      (1u << 27)
#define MISC1_SHUTDOWN  (1u << 31)
#define MISC2_VMRUN     (1u << 0)
#define MISC2_VMMCALL   (1u << 1)

#define EXIT_EXCP_BASE  0x040
#define EXIT_HLT        0x078
#define EXIT_IOIO       0x07b
#define EXIT_SHUTDOWN   0x07f
#define EXIT_VMMCALL    0x081
#define EXIT_NPF        0x400

#define MSR_EFER        0xc0000080
#define MSR_VM_CR       0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117
#define EFER_SVME       (1u << 12)

struct guest_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

void svm_run(uint64_t vmcb_pa, struct guest_gprs *g);
void hv_main(uint32_t mbi);
extern char guest_entry[];
extern volatile uint32_t guest_count;

static uint8_t vmcb[4096] __attribute__((aligned(4096)));
static uint8_t hsave[4096] __attribute__((aligned(4096)));
static uint8_t iopm[3 * 4096] __attribute__((aligned(4096)));
static uint8_t msrpm[2 * 4096] __attribute__((aligned(4096)));
static uint64_t npt_pml4[512] __attribute__((aligned(4096)));
static uint64_t npt_pdpt[512] __attribute__((aligned(4096)));
static uint64_t npt_pd[512] __attribute__((aligned(4096)));
static uint8_t guest_stack[4096] __attribute__((aligned(16)));
static struct guest_gprs gprs;

static void __attribute__((noreturn)) qemu_exit(uint8_t code)
{
	/* isa-debug-exit: QEMU exits with status (code << 1) | 1. */
	outb(0xf4, code);
	for (;;)
		asm volatile("cli; hlt");
}

static void fail(const char *what, uint64_t v)
{
	puts_serial("vmrun-loop: FAIL ");
	puts_serial(what);
	puts_serial(" 0x");
	put_u64(v, 16);
	puts_serial("\n");
	qemu_exit(1);
}

static void w16(unsigned int off, uint16_t v)
{
	*(volatile uint16_t *)&vmcb[off] = v;
}

static void w32(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)&vmcb[off] = v;
}

static void w64(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)&vmcb[off] = v;
}

static uint64_t r64(unsigned int off)
{
	return *(volatile uint64_t *)&vmcb[off];
}

static void seg(unsigned int off, uint16_t sel, uint16_t attr, uint32_t limit)
{
	w16(off, sel);
	w16(off + 2, attr);
	w32(off + 4, limit);
	w64(off + 8, 0);
}

static void setup_vmcb(void)
{
	/* NPT: GPA 0..1 GiB -> HPA 1:1, 2 MiB pages; U must be set (nested walks are user). */
	npt_pml4[0] = (uintptr_t)npt_pdpt | 0x7;
	npt_pdpt[0] = (uintptr_t)npt_pd | 0x7;
	for (uint64_t i = 0; i < 512; i++)
		npt_pd[i] = (i << 21) | 0x87;

	/* Intercept every port. */
	for (unsigned int i = 0; i < sizeof(iopm); i++)
		iopm[i] = 0xff;

	w32(VMCB_INTERCEPT_EXC, (1u << 6) | (1u << 8) | (1u << 13) | (1u << 14));
	w32(VMCB_INTERCEPT_MISC1, MISC1_CPUID | MISC1_HLT | MISC1_IOIO | MISC1_SHUTDOWN);
	w32(VMCB_INTERCEPT_MISC2, MISC2_VMRUN | MISC2_VMMCALL);
	w64(VMCB_IOPM_BASE, (uintptr_t)iopm);
	w64(VMCB_MSRPM_BASE, (uintptr_t)msrpm);
	w32(VMCB_ASID, 1);
	vmcb[VMCB_TLB_CONTROL] = 1; /* flush this ASID on the first VMRUN */
	w64(VMCB_NP_ENABLE, 1);
	w64(VMCB_NCR3, (uintptr_t)npt_pml4);

	/* 32-bit flat protected mode, paging off. */
	seg(VMCB_CS, 0x08, 0xc9b, 0xffffffff);
	seg(VMCB_DS, 0x10, 0xc93, 0xffffffff);
	seg(VMCB_ES, 0x10, 0xc93, 0xffffffff);
	seg(VMCB_SS, 0x10, 0xc93, 0xffffffff);
	seg(VMCB_FS, 0x10, 0xc93, 0xffffffff);
	seg(VMCB_GS, 0x10, 0xc93, 0xffffffff);
	seg(VMCB_GDTR, 0, 0, 0);
	seg(VMCB_IDTR, 0, 0, 0);
	seg(VMCB_LDTR, 0, 0x82, 0);
	seg(VMCB_TR, 0, 0x8b, 0xffff);
	vmcb[VMCB_CPL] = 0;
	w64(VMCB_EFER, EFER_SVME); /* VMRUN refuses a guest without it */
	w64(VMCB_CR0, 0x11);       /* PE | ET */
	w64(VMCB_CR3, 0);
	w64(VMCB_CR4, 0);
	w64(VMCB_DR6, 0xffff0ff0);
	w64(VMCB_DR7, 0x400);
	w64(VMCB_RFLAGS, 0x2);
	w64(VMCB_RIP, (uintptr_t)guest_entry);
	w64(VMCB_RSP, (uintptr_t)guest_stack + sizeof(guest_stack));
	w64(VMCB_RAX, 0);
	w64(VMCB_GPAT, 0x0007040600070406ull);
}

void hv_main(uint32_t mbi)
{
	uint64_t khz, t[3] = { 0 }, n_io = 0, n_npf = 0;
	unsigned int phase = 0;
	uint32_t n;

	puts_serial("vmrun-loop: start\n");
	if (!(cpuid_ecx(0x80000001) & (1u << 2)))
		fail("no SVM in CPUID 0x80000001 ECX", 0);
	if (rdmsr(MSR_VM_CR) & (1u << 4))
		fail("SVM disabled in VM_CR", rdmsr(MSR_VM_CR));

	khz = tsc_khz_from_pit();
	puts_serial("vmrun-loop: TSC ");
	put_u64(khz, 10);
	puts_serial(" kHz\n");
	n = count_from_cmdline(mbi);
	guest_count = n;

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (uintptr_t)hsave);
	setup_vmcb();

	t[0] = rdtsc();
	for (;;) {
		uint64_t code;

		svm_run((uintptr_t)vmcb, &gprs);
		vmcb[VMCB_TLB_CONTROL] = 0;
		code = r64(VMCB_EXITCODE);
		switch (code) {
		case EXIT_IOIO:
			/* EXITINFO2 is the RIP of the next instruction. */
			w64(VMCB_RIP, r64(VMCB_EXITINFO2));
			n_io++;
			continue;
		case EXIT_NPF:
			if (r64(VMCB_EXITINFO2) != MMIO_HOLE)
				fail("#NPF at an unexpected GPA", r64(VMCB_EXITINFO2));
			/* movl (%ebx), %eax: 2 bytes; an unmapped read is all ones. */
			w64(VMCB_RAX, 0xffffffff);
			w64(VMCB_RIP, r64(VMCB_RIP) + 2);
			n_npf++;
			continue;
		case EXIT_VMMCALL:
			w64(VMCB_RIP, r64(VMCB_RIP) + 3);
			if (phase < 2)
				t[++phase] = rdtsc();
			continue;
		case EXIT_HLT:
			break;
		default:
			if (code >= EXIT_EXCP_BASE && code < EXIT_EXCP_BASE + 32)
				puts_serial("vmrun-loop: guest exception\n");
			puts_serial("vmrun-loop: rip 0x");
			put_u64(r64(VMCB_RIP), 16);
			puts_serial(" info1 0x");
			put_u64(r64(VMCB_EXITINFO1), 16);
			puts_serial("\n");
			fail("unexpected exit code", code);
		}
		break;
	}

	if (phase != 2 || n_io != n || n_npf != n)
		fail("guest ended early, exits seen", n_io + n_npf);
	puts_serial("vmrun-loop: ");
	put_u64(n, 10);
	puts_serial(" exits per phase, TSC ticks ");
	put_u64(t[1] - t[0], 10);
	puts_serial(" / ");
	put_u64(t[2] - t[1], 10);
	puts_serial("\n");
	report("pio", n_io, t[1] - t[0], khz);
	report("mmio", n_npf, t[2] - t[1], khz);
	qemu_exit(0);
}
