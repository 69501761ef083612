/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest WFI halts the vCPU (hstatus.VTW = 1 makes it a virtual-instruction
 * exit) instead of holding the hart: an idle Linux VM then leaves its pCPU
 * to the other vCPUs there, or to the hypervisor's own WFI. The vCPU wakes
 * on what can raise one of its enabled interrupts: anything posted to it
 * (vPLIC line, IPI, the SBI timer without Sstc) kicks it already; with Sstc
 * the vstimecmp deadline is compared by the hart only while the vCPU is
 * loaded, so a hypervisor timer stands in for it while it sleeps.
 */
#include <arch/board.h>
#include <arch/cpu.h>
#include <arch/guest.h>
#include <hv/vcpu.h>

#define CSR_VSTIMECMP_RD(v) __asm__ volatile("csrr %0, 0x24D" : "=r"(v))

/* sie/sip bits as the guest sees them (S positions). */
#define SIE_STIE BIT(5)

static void wfi_timer_expired(struct timer *t)
{
	struct vcpu *v = container_of(t, struct vcpu, arch.wfi_timer);

	__atomic_store_n(&v->arch.wfi_wake, true, __ATOMIC_SEQ_CST);
	vcpu_kick(v);
}

void rv_wfi_init(struct vcpu *v)
{
	timer_init(&v->arch.wfi_timer, wfi_timer_expired);
}

void rv_wfi_cancel(struct vcpu *v)
{
	timer_cancel(&v->arch.wfi_timer);
	v->arch.wfi_wake = false;
}

bool rv_wfi_exit(struct vcpu *v)
{
	uint64_t insn = v->arch.exit.stval, ie, pending, vstimecmp = UINT64_MAX;

	if (!insn) /* stval may be 0: the instruction is then read from the guest */
		insn = (uint64_t)rv_hlvx_wu(v->arch.ctx.sepc);
	if (insn != RV_INSN_WFI)
		return false;
	v->arch.ctx.sepc += 4;
	rv_wfi_cancel(v);
	ie = csr_read(vsie);
	if (rv_board.sstc)
		CSR_VSTIMECMP_RD(vstimecmp);
	/*
	 * An enabled interrupt pending already completes the WFI at once.
	 * Pending is what we inject (hvip), what the guest set itself (vsip,
	 * S positions) and the vstimecmp deadline: QEMU 7.2's vsip shows
	 * neither an injected VSTIP nor one raised by vstimecmp.
	 */
	pending = csr_read(hvip) | csr_read(vsip) << 1;
	if (timer_now() >= vstimecmp)
		pending |= HVIP_VSTIP;
	if (pending & ie << 1)
		return true;
	/* With Sstc, a sleeping vCPU's timer interrupt comes from a hypervisor timer. */
	if ((ie & SIE_STIE) && vstimecmp != UINT64_MAX)
		timer_arm(&v->arch.wfi_timer, vstimecmp);
	vcpu_halt(v);
	return true;
}

/*
 * A vCPU paused in WFI would sleep again at resume (vcpu_halt), but what was
 * pending and enabled may have changed with the pause: let it complete the
 * WFI instead (allowed; the guest's idle loop executes WFI again if idle).
 */
void rv_wfi_resume(struct vcpu *v)
{
	if (v->resume_halted)
		__atomic_store_n(&v->arch.wfi_wake, true, __ATOMIC_SEQ_CST);
}

bool rv_wfi_woken(struct vcpu *v)
{
	return __atomic_load_n(&v->arch.wfi_wake, __ATOMIC_SEQ_CST);
}
