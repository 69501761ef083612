/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel VMX backend of the x86 vCPU layer: VMXON, VMCS setup with EPT, VPID
 * and unrestricted guest, guest entry and exit decoding into struct x86_exit.
 * Port I/O and MMIO exits get a first look from the fast path (fastpath.c),
 * which may handle them and enter the guest again without coming here.
 *
 * A VMCS can only be read or written on the pCPU where it is current, but
 * vcpu_reset runs on whichever pCPU sends the SIPI or resets the VM. So the
 * reset only records the entry state, and the VMCS is (re)built by the next
 * run on the vCPU's own pCPU. Pending injections live in software for the
 * same reason and are written to the VMCS right before entry.
 */
#include <arch/cpu.h>
#include <arch/npt.h>
#include <arch/x86_vcpu.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/timer.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#include "vmcs.h"
#include "vmx.h"

#define MSR_IA32_FEATURE_CONTROL 0x3A
#define MSR_VMX_BASIC            0x480
#define MSR_VMX_PINBASED         0x481
#define MSR_VMX_PROCBASED        0x482
#define MSR_VMX_EXIT             0x483
#define MSR_VMX_ENTRY            0x484
#define MSR_VMX_MISC             0x485
#define MSR_VMX_CR0_FIXED0       0x486
#define MSR_VMX_CR0_FIXED1       0x487
#define MSR_VMX_CR4_FIXED0       0x488
#define MSR_VMX_CR4_FIXED1       0x489
#define MSR_VMX_PROCBASED2       0x48B
#define MSR_VMX_EPT_VPID_CAP     0x48C
#define MSR_VMX_TRUE_PINBASED    0x48D
#define MSR_VMX_TRUE_PROCBASED   0x48E
#define MSR_VMX_TRUE_EXIT        0x48F
#define MSR_VMX_TRUE_ENTRY       0x490

#define FC_LOCKED                BIT(0)
#define FC_VMXON_NOSMX           BIT(2)

#define PIN_EXT_INTR             BIT(0)
#define PIN_PREEMPT_TIMER        BIT(6)

#define PROC_INTR_WINDOW         BIT(2)
#define PROC_HLT                 BIT(7)
#define PROC_MWAIT               BIT(10)
#define PROC_CR3_LOAD            BIT(15)
#define PROC_CR3_STORE           BIT(16)
#define PROC_IO_BITMAP           BIT(25)
#define PROC_MSR_BITMAP          BIT(28)
#define PROC_MONITOR             BIT(29)
#define PROC_SECONDARY           BIT(31)

#define PROC2_EPT                BIT(1)
#define PROC2_RDTSCP             BIT(3)
#define PROC2_VPID               BIT(5)
#define PROC2_UNRESTRICTED       BIT(7)
#define PROC2_INVPCID            BIT(12)
#define PROC2_XSAVES             BIT(20)

#define EXIT_HOST_64             BIT(9)
#define EXIT_SAVE_PAT            BIT(18)
#define EXIT_LOAD_PAT            BIT(19)
#define EXIT_SAVE_EFER           BIT(20)
#define EXIT_LOAD_EFER           BIT(21)
#define ENTRY_IA32E              BIT(9)
#define ENTRY_LOAD_PAT           BIT(14)
#define ENTRY_LOAD_EFER          BIT(15)

#define EPT_CAP_WALK4            BIT(6)
#define EPT_CAP_WB               BIT(14)
#define EPT_CAP_2M               BIT(16)
#define EPT_CAP_INVEPT           BIT(20)
#define EPT_CAP_INVEPT_1         BIT(25)
#define VPID_CAP_INVVPID         BIT(32)
#define VPID_CAP_INVVPID1        BIT(41)

/* See preempt_poll. */
#define PREEMPT_POLL_US 1000

/*
 * Guest MSRs VMX does not switch by itself. The hypervisor uses none of them
 * (no SYSCALL, SWAPGS or RDTSCP), so a guest's values stay in the registers
 * across its exits and are switched only when another vCPU runs on the pCPU,
 * like the FPU: no VM-exit store / VM-entry load lists, which every exit and
 * entry would walk.
 */
static const uint32_t switched_msrs[] = { 0xC0000081, 0xC0000082,         0xC0000083,
	                                  0xC0000084, MSR_KERNEL_GS_BASE, 0xC0000103 };
#define NR_SWITCHED ARRAY_SIZE(switched_msrs)

struct vmx_msr_entry {
	uint32_t index, rsvd;
	uint64_t value;
};

struct vmx_pcpu {
	paddr_t vmxon_pa;
	struct vmx_vcpu *current;
	struct vmx_vcpu *msr_owner; /* whose switched_msrs the registers hold */
};

static struct vmx_pcpu vmx_pcpus[MAX_PCPUS];

/* Capabilities and shared pages, computed once from the BSP's MSRs. */
static struct {
	uint32_t revision;
	uint32_t pin, proc, proc2, exit, entry;
	unsigned preempt_shift; /* the preemption timer counts TSC ticks >> this */
	uint32_t preempt_poll;  /* PREEMPT_POLL_US in preemption-timer ticks */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid_cap;
	unsigned nr_msrs;
	paddr_t io_bitmap_pa, msr_bitmap_pa;
} vmx;

static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

int vmx_enter(struct x86_regs *regs, int launched, const bool *mmio_callee_saved);
extern uint8_t vmx_exit_entry[];

static int vmx_op_pa(int op, paddr_t pa)
{
	bool ok;

	switch (op) {
	case 0:
		__asm__ volatile("vmxon %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
		break;
	case 1:
		__asm__ volatile("vmclear %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
		break;
	default:
		__asm__ volatile("vmptrld %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
		break;
	}
	return ok ? 0 : -EIO;
}

static void invept_ctx(uint64_t eptp)
{
	struct {
		uint64_t eptp, rsvd;
	} desc = { eptp, 0 };
	uint64_t type = (vmx.ept_vpid_cap & EPT_CAP_INVEPT_1) ? 1 : 2;

	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static void invvpid_ctx(uint16_t vpid)
{
	struct {
		uint64_t vpid, addr;
	} desc = { vpid, 0 };
	uint64_t type = (vmx.ept_vpid_cap & VPID_CAP_INVVPID1) ? 1 : 2;

	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

/*
 * Adjust wanted controls to what the CPU allows (TRUE MSR: low half must be
 * one, high half may be one); -ENODEV when a required bit is not allowed.
 */
static int adjust_ctl(uint32_t msr, uint32_t required, uint32_t optional, uint32_t *out)
{
	uint64_t cap = rdmsr(msr);
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);

	if ((required & may) != required) {
		pr_err("VMX: control MSR 0x%x lacks bits 0x%x\n", msr, required & ~may);
		return -ENODEV;
	}
	*out = (required | (optional & may) | must) & may;
	return 0;
}

static int vmx_global_init(void)
{
	uint64_t basic = rdmsr(MSR_VMX_BASIC);
	bool true_ctls = basic & BIT(55);
	uint8_t *msrbm;
	uint32_t a, b, c, d;
	int err;

	vmx.revision = (uint32_t)basic & 0x7FFFFFFF;
	if (((basic >> 50) & 0xF) != 6) {
		pr_err("VMX: VMCS memory type is not write-back\n");
		return -ENODEV;
	}
	err = adjust_ctl(true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED, PIN_EXT_INTR,
	                 PIN_PREEMPT_TIMER, &vmx.pin);
	vmx.preempt_shift = (unsigned)(rdmsr(MSR_VMX_MISC) & 0x1F);
	if (!err)
		err = adjust_ctl(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED,
		                 PROC_HLT | PROC_IO_BITMAP | PROC_MSR_BITMAP | PROC_SECONDARY,
		                 PROC_MWAIT | PROC_MONITOR, &vmx.proc);
	if (!err)
		err = adjust_ctl(MSR_VMX_PROCBASED2, PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED,
		                 PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES, &vmx.proc2);
	if (!err)
		err = adjust_ctl(true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT,
		                 EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER |
		                         EXIT_LOAD_EFER,
		                 0, &vmx.exit);
	if (!err)
		err = adjust_ctl(true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY,
		                 ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, 0, &vmx.entry);
	if (err)
		return err;
	/* With EPT, CR3 accesses need no exits; TRUE MSRs let us clear them. */
	vmx.proc &= ~(PROC_CR3_LOAD | PROC_CR3_STORE);
	vmx.entry &= ~ENTRY_IA32E;
	vmx.ept_vpid_cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if ((vmx.ept_vpid_cap & (EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_INVEPT)) !=
	            (EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_INVEPT) ||
	    !(vmx.ept_vpid_cap & VPID_CAP_INVVPID)) {
		pr_err("VMX: EPT/VPID capabilities 0x%lx are not enough\n", vmx.ept_vpid_cap);
		return -ENODEV;
	}
	vmx.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	vmx.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	vmx.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	vmx.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	/* TSC_AUX exists only with RDTSCP: loading it otherwise fails VM entry. */
	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	vmx.nr_msrs = (d & BIT(27)) ? NR_SWITCHED : NR_SWITCHED - 1;

	/* Intercept every port and, by default, every MSR. */
	vmx.io_bitmap_pa = page_pool_alloc(&hv_pages, 2, 1);
	vmx.msr_bitmap_pa = page_pool_alloc(&hv_pages, 1, 1);
	if (!vmx.io_bitmap_pa || !vmx.msr_bitmap_pa)
		return -ENOMEM;
	memset(hpa_to_ptr(vmx.io_bitmap_pa), 0xFF, 2 * PAGE_SIZE);
	msrbm = hpa_to_ptr(vmx.msr_bitmap_pa);
	memset(msrbm, 0xFF, PAGE_SIZE);
	/* State the VMCS or the MSR lists switch per guest: safe to leave to the guest. */
	static const uint32_t passthrough[] = { MSR_FS_BASE, MSR_GS_BASE, 0x174, 0x175, 0x176 };
	for (unsigned i = 0; i < ARRAY_SIZE(passthrough) + vmx.nr_msrs; i++) {
		uint32_t msr = i < ARRAY_SIZE(passthrough)
		                       ? passthrough[i]
		                       : switched_msrs[i - ARRAY_SIZE(passthrough)];
		unsigned base = msr >= 0xC0000000 ? 0x400 : 0;

		msr &= 0x1FFF;
		msrbm[base + msr / 8] &= (uint8_t) ~(1u << (msr % 8));         /* read */
		msrbm[0x800 + base + msr / 8] &= (uint8_t) ~(1u << (msr % 8)); /* write */
	}
	return 0;
}

static int vmx_pcpu_enable(struct pcpu *p)
{
	static struct spinlock init_lock = SPINLOCK_INIT;
	static bool inited;
	struct vmx_pcpu *vp = &vmx_pcpus[p->id];
	uint64_t fc;
	int err = 0;

	spin_lock(&init_lock);
	if (!inited)
		err = vmx_global_init();
	inited = !err;
	spin_unlock(&init_lock);
	if (err)
		return err;

	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FC_LOCKED)) {
		/* Firmware left it open: allow VMXON and lock it as firmware should. */
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FC_LOCKED | FC_VMXON_NOSMX);
	} else if (!(fc & FC_VMXON_NOSMX)) {
		pr_err("VMX is disabled by firmware (IA32_FEATURE_CONTROL 0x%lx)\n", fc);
		return -ENODEV;
	}
	write_cr0((read_cr0() | vmx.cr0_fixed0) & vmx.cr0_fixed1);
	write_cr4((read_cr4() | vmx.cr4_fixed0 | CR4_VMXE) & vmx.cr4_fixed1);

	vp->vmxon_pa = page_pool_alloc(&hv_pages, 1, 1);
	if (!vp->vmxon_pa)
		return -ENOMEM;
	memset(hpa_to_ptr(vp->vmxon_pa), 0, PAGE_SIZE);
	*(uint32_t *)hpa_to_ptr(vp->vmxon_pa) = vmx.revision;
	if (vmx_op_pa(0, vp->vmxon_pa))
		return -EIO;
	vp->current = NULL;
	vp->msr_owner = NULL;
	return 0;
}

static int vmx_vcpu_init(struct vcpu *v)
{
	/* Per VM slot and vCPU: a post-launched VM created again reuses its VMCS. */
	static struct vmx_vcpu pool[MAX_VMS * SCENARIO_MAX_VCPUS];
	struct vmx_vcpu *s = &pool[v->vm->id * SCENARIO_MAX_VCPUS + v->id];

	if (s->vmcs_pa) {
		/* vmcs_setup does VMCLEAR and a full setup on the next run. */
		s->need_setup = true;
		v->arch.vendor = s;
		return 0;
	}
	s->vmcs_pa = page_pool_alloc(&hv_pages, 1, 1);
	s->msrs_pa = page_pool_alloc(&hv_pages, 1, 1);
	if (!s->vmcs_pa || !s->msrs_pa)
		return -ENOMEM;
	memset(hpa_to_ptr(s->vmcs_pa), 0, PAGE_SIZE);
	*(uint32_t *)hpa_to_ptr(s->vmcs_pa) = vmx.revision;
	s->msrs = hpa_to_ptr(s->msrs_pa);
	s->pcpu = (cpuid_t)-1;
	v->arch.vendor = s;
	return 0;
}

/* Runs on any pCPU: only software state changes here (see the top comment). */
static void vmx_vcpu_reset(struct vcpu *v, const struct x86_entry_state *e)
{
	struct vmx_vcpu *s = v->arch.vendor;

	s->entry = *e;
	s->need_setup = true;
	s->pending = 0;
	s->want_window = false;
	v->arch.vendor_work = false;
	s->intr_state = 0;
	s->exit_rip = 0;
	memset(&v->arch.regs, 0, sizeof(v->arch.regs));
	v->arch.regs.rip = e->rip;
	v->arch.regs.rflags = 0x2;
	v->arch.regs.gpr[6] = e->rsi;
	v->arch.regs.gpr[3] = e->rbx;
}

__attribute__((noinline)) static void vmcs_ptrld(struct vmx_pcpu *vp, struct vmx_vcpu *s)
{
	if (vmx_op_pa(2, s->vmcs_pa))
		pr_err("VMX: VMPTRLD failed\n");
	vp->current = s;
}

/* Make this vCPU's VMCS current on this pCPU; inline, as it mostly is already. */
__hot static inline void vmcs_load(struct vmx_vcpu *s)
{
	struct vmx_pcpu *vp = &vmx_pcpus[this_pcpu()->id];

	if (unlikely(vp->current != s))
		vmcs_ptrld(vp, s);
}

static void set_seg(unsigned i, uint16_t sel, uint32_t ar, uint32_t limit, uint64_t base)
{
	vmwrite(GUEST_ES_SEL + 2 * i, sel);
	vmwrite(GUEST_ES_AR + 2 * i, ar);
	vmwrite(GUEST_ES_LIMIT + 2 * i, limit);
	vmwrite(GUEST_ES_BASE + 2 * i, base);
}

static void setup_host_state(struct pcpu *p)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SEL, 0x08);
	vmwrite(HOST_SS_SEL, 0x10);
	vmwrite(HOST_DS_SEL, 0x10);
	vmwrite(HOST_ES_SEL, 0x10);
	vmwrite(HOST_FS_SEL, 0);
	vmwrite(HOST_GS_SEL, 0);
	/* The exit loads TR from here without a GDT lookup: selector must be non-zero. */
	vmwrite(HOST_TR_SEL, 0x18);
	vmwrite(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(HOST_GS_BASE, rdmsr(MSR_GS_BASE)); /* this_pcpu() */
	vmwrite(HOST_TR_BASE, (uint64_t)(uintptr_t)p->arch.tss);
	vmwrite(HOST_GDTR_BASE, (uint64_t)(uintptr_t)p->arch.gdt);
	vmwrite(HOST_IDTR_BASE, idtr.base);
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);
}

/*
 * Build the whole VMCS from the recorded entry state, on the vCPU's pCPU.
 * Kept out of line: it is rare, and vmx_run's hot path stays short.
 */
__attribute__((noinline, cold)) static void vmcs_setup(struct vcpu *v, struct pcpu *p)
{
	struct vmx_vcpu *s = v->arch.vendor;
	const struct x86_entry_state *e = &s->entry;
	struct vmx_pcpu *vp = &vmx_pcpus[p->id];
	uint64_t eptp = v->vm->stage2.root | (3 << 3) | 6; /* 4-level walk, write-back */
	uint16_t vpid = (uint16_t)(1 + v->vm->id);
	uint64_t cr0;

	if (vmx_op_pa(1, s->vmcs_pa))
		pr_err("VMX: VMCLEAR failed\n");
	/*
	 * The reset values of the switched MSRs are set here, on the vCPU's own
	 * pCPU: whatever the registers still hold for it predates the reset.
	 */
	if (vp->msr_owner == s)
		vp->msr_owner = NULL;
	memset(s->msrs, 0, PAGE_SIZE);
	for (unsigned i = 0; i < NR_SWITCHED; i++)
		s->msrs[i].index = switched_msrs[i];
	if (vp->current == s)
		vp->current = NULL;
	vmcs_load(s);
	s->launched = false;
	s->need_setup = false;
	s->pcpu = p->id;
	s->preempt = 0;
	v->arch.vendor_work = true; /* the interrupt-window control, if wanted */
	vmx.preempt_poll = (uint32_t)MAX(us_to_ticks(PREEMPT_POLL_US) >> vmx.preempt_shift, 1);

	s->proc = vmx.proc;
	vmwrite(CTL_PIN, vmx.pin);
	vmwrite(CTL_PROC, s->proc);
	vmwrite(CTL_PROC2, vmx.proc2);
	vmwrite(CTL_EXIT, vmx.exit);
	/* A vCPU that starts in 64-bit mode enters as an IA-32e guest (exits keep it in step). */
	vmwrite(CTL_ENTRY, vmx.entry | (e->protected_mode && e->long_mode ? ENTRY_IA32E : 0));
	vmwrite(CTL_EXC_BITMAP, BIT(6)); /* #UD: VMMCALL on Intel */
	vmwrite(CTL_PF_MASK, 0);
	vmwrite(CTL_PF_MATCH, 0);
	vmwrite(CTL_CR3_TARGET_COUNT, 0);
	vmwrite(CTL_IO_BITMAP_A, vmx.io_bitmap_pa);
	vmwrite(CTL_IO_BITMAP_B, vmx.io_bitmap_pa + PAGE_SIZE);
	vmwrite(CTL_MSR_BITMAP, vmx.msr_bitmap_pa);
	vmwrite(CTL_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(CTL_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(CTL_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(CTL_ENTRY_INTR_INFO, 0);
	vmwrite(CTL_TSC_OFFSET, 0);
	vmwrite(CTL_EPTP, eptp);
	vmwrite(CTL_VPID, vpid);
	if (vmx.proc2 & PROC2_XSAVES)
		vmwrite(CTL_XSS_EXIT_BITMAP, 0);
	/* CR4.VMXE must stay set in VMX operation: hide it behind the mask and shadow. */
	vmwrite(CTL_CR0_MASK, 0);
	vmwrite(CTL_CR0_SHADOW, 0);
	vmwrite(CTL_CR4_MASK, vmx.cr4_fixed0 | CR4_VMXE);
	vmwrite(CTL_CR4_SHADOW, 0);
	setup_host_state(p);

	if (e->protected_mode) {
		/* 64-bit code: L=1, D=0. */
		for (unsigned i = 0; i < 6; i++)
			set_seg(i, i == 1 ? e->cs_selector : e->ds_selector,
			        i == 1 ? (e->long_mode ? 0xA09B : 0xC09B) : 0xC093, 0xFFFFFFFF, 0);
		cr0 = CR0_PE | CR0_ET | CR0_NE | (e->long_mode ? CR0_PG : 0);
	} else {
		for (unsigned i = 0; i < 6; i++)
			set_seg(i, i == 1 ? e->cs_selector : 0, i == 1 ? 0x9B : 0x93, 0xFFFF,
			        i == 1 ? e->cs_base : 0);
		cr0 = CR0_ET | CR0_NE;
	}
	/* Unrestricted guest lifts the PE and PG fixed bits only. */
	cr0 = (cr0 | (vmx.cr0_fixed0 & ~(CR0_PE | CR0_PG))) & vmx.cr0_fixed1;
	set_seg(6, 0, 0x10000, 0, 0); /* LDTR unusable */
	set_seg(7, 0, 0x8B, 0xFFFF, 0);
	vmwrite(GUEST_GDTR_BASE, e->protected_mode ? e->gdt_base : 0);
	vmwrite(GUEST_GDTR_LIMIT, e->protected_mode ? e->gdt_limit : 0xFFFF);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0xFFFF);
	vmwrite(GUEST_CR0, cr0);
	if (e->protected_mode && e->long_mode) {
		vmwrite(GUEST_CR3, e->cr3);
		vmwrite(GUEST_CR4, vmx.cr4_fixed0 | CR4_VMXE | e->cr4);
		vmwrite(CTL_CR4_SHADOW, e->cr4);
	} else {
		vmwrite(GUEST_CR3, 0);
		vmwrite(GUEST_CR4, vmx.cr4_fixed0 | CR4_VMXE);
	}
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_DEBUGCTL, 0);
	vmwrite(GUEST_PAT, 0x0007040600070406ULL);
	vmwrite(GUEST_EFER, e->protected_mode && e->long_mode ? EFER_LME | EFER_LMA : 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(GUEST_LINK_PTR, ~0ULL);
	s->vmcs_rsp = v->arch.regs.gpr[4];
	s->vmcs_rflags = v->arch.regs.rflags;
	vmwrite(GUEST_RSP, s->vmcs_rsp);
	vmwrite(GUEST_RFLAGS, s->vmcs_rflags);

	/* The stage-2 tables may have been rebuilt (VM reset): drop stale translations. */
	invept_ctx(eptp);
	invvpid_ctx(vpid);
}

/* Give the registers another vCPU's switched MSRs (see switched_msrs). */
__attribute__((noinline)) static void load_msrs(struct vmx_pcpu *vp, struct vmx_vcpu *s)
{
	struct vmx_vcpu *old = vp->msr_owner;

	for (unsigned i = 0; old && i < vmx.nr_msrs; i++)
		old->msrs[i].value = rdmsr(old->msrs[i].index);
	for (unsigned i = 0; i < vmx.nr_msrs; i++)
		wrmsr(s->msrs[i].index, s->msrs[i].value);
	vp->msr_owner = s;
}

__hot static inline void switch_msrs(struct vmx_pcpu *vp, struct vmx_vcpu *s)
{
	if (vp->msr_owner != s)
		load_msrs(vp, s);
}

__hot static void decode_exit(struct vcpu *v, struct vmx_vcpu *s, struct x86_exit *x)
{
	uint32_t reason = (uint32_t)vmread(EXIT_REASON);
	uint64_t qual;
	uint32_t info;

	x->raw = reason;
	x->insn_len = 0;
	if (reason & EXIT_ENTRY_FAIL) {
		pr_err("VMX: VM entry failed, exit reason 0x%x qualification 0x%lx\n", reason,
		       vmread(EXIT_QUALIFICATION));
		x->reason = X86_EXIT_INVALID;
		return;
	}
	switch (reason & 0xFFFF) {
	case EXIT_EXT_INTR:
	case EXIT_PREEMPT:
	case EXIT_INIT:
	case EXIT_SIPI:
		x->reason = X86_EXIT_NONE;
		break;
	case EXIT_EXC_NMI:
		info = (uint32_t)vmread(EXIT_INTR_INFO);
		x->reason =
		        (info & 0xFF) == 6 && INTR_TYPE(info) == 3 ? X86_EXIT_UD : X86_EXIT_UNKNOWN;
		break;
	case EXIT_IO:
		qual = vmread(EXIT_QUALIFICATION);
		x->reason = X86_EXIT_IO;
		x->insn_len = (uint8_t)vmread(EXIT_INSN_LEN);
		x->io.size = (uint8_t)((qual & 7) + 1);
		x->io.in = qual & BIT(3);
		x->io.string = qual & BIT(4);
		x->io.rep = qual & BIT(5);
		x->io.port = (uint16_t)(qual >> 16);
		x->io.next_rip = v->arch.regs.rip + x->insn_len;
		break;
	case EXIT_EPT_VIOL:
		qual = vmread(EXIT_QUALIFICATION);
		x->reason = X86_EXIT_MMIO;
		x->mmio.gpa = vmread(GUEST_PHYS_ADDR);
		x->mmio.write = qual & BIT(1);
		x->mmio.fetch = qual & BIT(2);
		break;
	case EXIT_CPUID:
		x->reason = X86_EXIT_CPUID;
		x->insn_len = 2;
		break;
	case EXIT_RDMSR:
		x->reason = X86_EXIT_RDMSR;
		x->insn_len = 2;
		break;
	case EXIT_WRMSR:
		x->reason = X86_EXIT_WRMSR;
		x->insn_len = 2;
		break;
	case EXIT_HLT:
		x->reason = X86_EXIT_HLT;
		x->insn_len = 1;
		break;
	case EXIT_VMCALL:
		x->reason = X86_EXIT_HYPERCALL;
		x->insn_len = 3;
		break;
	case EXIT_INTR_WINDOW:
		x->reason = X86_EXIT_IRQ_WINDOW;
		break;
	case EXIT_TRIPLE_FAULT:
		x->reason = X86_EXIT_TRIPLE_FAULT;
		break;
	case EXIT_CR_ACCESS:
		/* Only a guest setting CR4.VMXE exits here: VMX is hidden, so #GP. */
		x->reason = X86_EXIT_NONE;
		x86_inject_gp(v);
		break;
	case EXIT_XSETBV:
		x->reason = X86_EXIT_XSETBV;
		x->insn_len = 3;
		break;
	default:
		x->reason = X86_EXIT_UNKNOWN;
		break;
	}
}

/*
 * Bochs 2.7 computes the interrupt mask of a VM entry before it counts the
 * CPU as a guest, so a guest entered with RFLAGS.IF=0 takes no external-
 * interrupt exit (kick IPI, slice or vLAPIC timer) until it sets IF itself:
 * a guest spinning with interrupts off would keep its pCPU for good and
 * never see a stop request. The VMX-preemption timer is not masked that
 * way, so while the guest's IF is clear it bounds each stay in guest mode
 * and the run loop gets to look at its timers and requests again.
 */
__attribute__((noinline)) static void preempt_set(struct vmx_vcpu *s, uint32_t want)
{
	if (vmx.pin & PIN_PREEMPT_TIMER)
		vmwrite(GUEST_PREEMPT_TIMER, want);
	s->preempt = want;
}

__hot static inline void preempt_poll(struct vmx_vcpu *s, bool guest_if)
{
	uint32_t want = guest_if ? UINT32_MAX : vmx.preempt_poll;

	if (unlikely(want != s->preempt))
		preempt_set(s, want);
}

/* Make s current on this pCPU with its MSRs, building its VMCS if needed. */
__attribute__((noinline)) static void vmx_make_current(struct vcpu *v, struct pcpu *p,
                                                       struct vmx_pcpu *vp)
{
	struct vmx_vcpu *s = v->arch.vendor;

	if (s->need_setup || s->pcpu != p->id)
		vmcs_setup(v, p);
	else if (vp->current != s)
		vmcs_load(s);
	switch_msrs(vp, s);
}

/*
 * What the last exit or the injection logic left for the VMCS: the
 * interrupt-window control, an event to inject, an STI/MOV-SS shadow to end.
 * Most exits leave nothing (vendor_work clear) and skip this.
 */
__attribute__((noinline)) static void vmx_entry_work(struct vcpu *v, struct vmx_vcpu *s)
{
	uint32_t proc;

	v->arch.vendor_work = false;
	proc = s->want_window ? (s->proc | PROC_INTR_WINDOW) : (s->proc & ~PROC_INTR_WINDOW);
	if (proc != s->proc) {
		s->proc = proc;
		vmwrite(CTL_PROC, proc);
	}
	if (s->pending & INTR_VALID) {
		/* Real mode delivers no error codes, and VM entry checks that. */
		if ((s->pending & INTR_ERR) && !(vmread(GUEST_CR0) & CR0_PE))
			s->pending &= ~INTR_ERR;
		vmwrite(CTL_ENTRY_INTR_INFO, s->pending);
		vmwrite(CTL_ENTRY_EXC_ERR, s->pending_err);
		vmwrite(CTL_ENTRY_INSN_LEN, s->pending_len);
		s->pending = 0;
	}
	/*
	 * An instruction we emulated or skipped (HLT after STI) ends an STI or
	 * MOV-SS shadow; left set, it would hold off the next interrupt.
	 */
	if ((s->intr_state & INTR_BLOCKING) && v->arch.regs.rip != s->exit_rip) {
		s->intr_state &= ~INTR_BLOCKING;
		vmwrite(GUEST_INTERRUPTIBILITY, s->intr_state);
	}
}

__hot static void vmx_run(struct vcpu *v, struct x86_exit *x)
{
	struct vmx_vcpu *s = v->arch.vendor;
	struct pcpu *p = this_pcpu();
	struct vmx_pcpu *vp = &vmx_pcpus[p->id];
	uint32_t idt;
	int result;

	if (unlikely(s->need_setup || s->pcpu != p->id || vp->current != s || vp->msr_owner != s))
		vmx_make_current(v, p, vp);
	if (unlikely(v->arch.vendor_work))
		vmx_entry_work(v, s);
	/* Exits rarely change RSP or RFLAGS: write them only when they did. */
	if (v->arch.regs.gpr[4] != s->vmcs_rsp) {
		s->vmcs_rsp = v->arch.regs.gpr[4];
		vmwrite(GUEST_RSP, s->vmcs_rsp);
	}
	if (v->arch.regs.rflags != s->vmcs_rflags) {
		s->vmcs_rflags = v->arch.regs.rflags;
		vmwrite(GUEST_RFLAGS, s->vmcs_rflags);
	}
	vmwrite(GUEST_RIP, v->arch.regs.rip);
	preempt_poll(s, v->arch.regs.rflags & RFLAGS_IF);

	v->in_guest = true;
	result = vmx_enter(&v->arch.regs, s->launched, &v->arch.dcache.mov.callee_saved);
	v->in_guest = false;
	/* An external interrupt that made the guest exit is still pending: take it now. */
	__asm__ volatile("sti; nop; cli" ::: "memory");

	if (result == VMX_ENTER_FAILED) {
		pr_err("VMX: VM%s failed, instruction error %lu\n",
		       s->launched ? "RESUME" : "LAUNCH", vmread(VM_INSN_ERROR));
		x->reason = X86_EXIT_INVALID;
		x->raw = ~0ULL;
		x->insn_len = 0;
		return;
	}
	s->launched = true;
	s->vmcs_rsp = v->arch.regs.gpr[4] = vmread(GUEST_RSP);
	v->arch.regs.rip = vmread(GUEST_RIP);
	s->exit_rip = v->arch.regs.rip;
	s->vmcs_rflags = v->arch.regs.rflags = vmread(GUEST_RFLAGS);
	s->intr_state = (uint32_t)vmread(GUEST_INTERRUPTIBILITY);
	if (unlikely(s->intr_state & INTR_BLOCKING))
		v->arch.vendor_work = true;

	/* An event interrupted by the exit must be delivered again. */
	idt = (uint32_t)vmread(EXIT_IDT_VECTORING_INFO);
	if (unlikely(idt & INTR_VALID)) {
		v->arch.vendor_work = true;
		s->pending = idt & ~BIT(12);
		s->pending_err = (uint32_t)vmread(EXIT_IDT_VECTORING_ERR);
		s->pending_len = (uint32_t)vmread(EXIT_INSN_LEN);
	}
	if (result == VMX_ENTER_HANDLED) {
		/* The fast path did the exit's work; only the generic entry is left. */
		x->reason = X86_EXIT_NONE;
		x->raw = 0;
		x->insn_len = 0;
		return;
	}
	decode_exit(v, s, x);
}

__hot static void vmx_get_sregs(struct vcpu *v, struct x86_sregs *s)
{
	uint32_t cs_ar;

	vmcs_load(v->arch.vendor);
	cs_ar = (uint32_t)vmread(GUEST_CS_AR);
	s->cr0 = vmread(GUEST_CR0);
	s->cr3 = vmread(GUEST_CR3);
	s->cr4 = vmread(GUEST_CR4) & ~CR4_VMXE;
	s->efer = vmread(GUEST_EFER);
	s->cpl = (uint8_t)((vmread(GUEST_SS_AR) >> 5) & 3);
	s->cs_base = vmread(GUEST_CS_BASE);
	s->cs_l = cs_ar & BIT(13);
	s->cs_db = cs_ar & BIT(14);
}

static uint64_t vmx_get_efer(struct vcpu *v)
{
	vmcs_load(v->arch.vendor);
	return vmread(GUEST_EFER);
}

static void vmx_set_efer(struct vcpu *v, uint64_t efer)
{
	uint64_t lma;

	vmcs_load(v->arch.vendor);
	/* LMA is the CPU's to set, and the IA-32e entry control must agree with it. */
	lma = vmread(GUEST_EFER) & EFER_LMA;
	vmwrite(GUEST_EFER, (efer & ~EFER_LMA) | lma);
}

static uint64_t vmx_get_pat(struct vcpu *v)
{
	vmcs_load(v->arch.vendor);
	return vmread(GUEST_PAT);
}

static void vmx_set_pat(struct vcpu *v, uint64_t pat)
{
	vmcs_load(v->arch.vendor);
	vmwrite(GUEST_PAT, pat);
}

__hot static bool vmx_event_pending(struct vcpu *v)
{
	return ((struct vmx_vcpu *)v->arch.vendor)->pending & INTR_VALID;
}

__hot static bool vmx_irq_allowed(struct vcpu *v)
{
	struct vmx_vcpu *s = v->arch.vendor;

	/* A shadow ends once the instruction after STI/MOV SS is done (see vmx_run). */
	bool shadow = (s->intr_state & INTR_BLOCKING) && v->arch.regs.rip == s->exit_rip;

	return (v->arch.regs.rflags & RFLAGS_IF) && !shadow && !(s->pending & INTR_VALID);
}

static void set_pending(struct vcpu *v, uint32_t info, uint32_t err)
{
	struct vmx_vcpu *s = v->arch.vendor;

	s->pending = info;
	s->pending_err = err;
	s->pending_len = 0;
	v->arch.vendor_work = true;
}

static void vmx_inject_irq(struct vcpu *v, uint8_t vector)
{
	set_pending(v, INTR_VALID | INTR_EXT | vector, 0);
}

static void vmx_inject_nmi(struct vcpu *v)
{
	set_pending(v, INTR_VALID | INTR_NMI | 2, 0);
}

static void vmx_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	set_pending(v, INTR_VALID | INTR_HW_EXC | vector | (has_error ? INTR_ERR : 0), error);
}

__hot static void vmx_request_irq_window(struct vcpu *v, bool on)
{
	struct vmx_vcpu *s = v->arch.vendor;

	if (s->want_window != on) {
		s->want_window = on;
		v->arch.vendor_work = true;
	}
}

/* On v's pCPU, before entry: drop guest-physical and combined translations of this VM. */
static void vmx_flush_stage2(struct vcpu *v)
{
	invept_ctx(v->vm->stage2.root | (3 << 3) | 6);
	invvpid_ctx((uint16_t)(1 + v->vm->id));
}

const struct x86_vendor_ops vmx_ops = {
	.name = "VMX",
	.stage2_fmt = &x86_ept_fmt,
	.pcpu_enable = vmx_pcpu_enable,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_reset = vmx_vcpu_reset,
	.run = vmx_run,
	.get_sregs = vmx_get_sregs,
	.get_efer = vmx_get_efer,
	.set_efer = vmx_set_efer,
	.get_pat = vmx_get_pat,
	.set_pat = vmx_set_pat,
	.irq_allowed = vmx_irq_allowed,
	.inject_irq = vmx_inject_irq,
	.inject_nmi = vmx_inject_nmi,
	.inject_exception = vmx_inject_exception,
	.event_pending = vmx_event_pending,
	.request_irq_window = vmx_request_irq_window,
	.flush_stage2 = vmx_flush_stage2,
};
