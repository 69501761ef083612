/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypercall dispatch with ACRN v3.3's permission rules (its vmcall.c):
 * - most calls are the Service VM's, to manage post-launched VMs; a VM
 *   flagged REE has the Service VM's load order but not these calls;
 * - a few belong to VMs with a guest flag (Trusty, TEE, REE) and act on the
 *   caller's own VM;
 * - anything else, an unknown id included, is -ENOTTY, with no exception;
 * - a per-VM call names its target relative to the Service VM, and a call
 *   against a pre-launched VM (or none) is refused the same way.
 * VMs that may not make hypercalls at all never get here (see
 * hypercall_vm_allowed).
 */
#include <acrn/hypercall.h>
#include <acrn/memory.h>
#include <acrn/vm.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

struct hc_rule {
	bool known;
	/* 0: Service VM only; otherwise any of these guest flags admits the caller. */
	uint64_t flags;
};

/* Indexed by HC_IDX; the legacy 0x50-0x52 ids have no handler in v3.3 and stay unknown. */
static const struct hc_rule hc_rules[] = {
	[HC_IDX(HC_GET_API_VERSION)] = { true, 0 },
	[HC_IDX(HC_SERVICE_VM_OFFLINE_CPU)] = { true, 0 },
	[HC_IDX(HC_SET_CALLBACK_VECTOR)] = { true, 0 },
	[HC_IDX(HC_CREATE_VM)] = { true, 0 },
	[HC_IDX(HC_DESTROY_VM)] = { true, 0 },
	[HC_IDX(HC_START_VM)] = { true, 0 },
	[HC_IDX(HC_PAUSE_VM)] = { true, 0 },
	[HC_IDX(HC_CREATE_VCPU)] = { true, 0 },
	[HC_IDX(HC_RESET_VM)] = { true, 0 },
	[HC_IDX(HC_SET_VCPU_REGS)] = { true, 0 },
	[HC_IDX(HC_INJECT_MSI)] = { true, 0 },
	[HC_IDX(HC_VM_INTR_MONITOR)] = { true, 0 },
	[HC_IDX(HC_SET_IRQLINE)] = { true, 0 },
	[HC_IDX(HC_SET_IOREQ_BUFFER)] = { true, 0 },
	[HC_IDX(HC_NOTIFY_REQUEST_FINISH)] = { true, 0 },
	[HC_IDX(HC_ASYNCIO_ASSIGN)] = { true, 0 },
	[HC_IDX(HC_ASYNCIO_DEASSIGN)] = { true, 0 },
	[HC_IDX(HC_VM_GPA2HPA)] = { true, 0 },
	[HC_IDX(HC_VM_SET_MEMORY_REGIONS)] = { true, 0 },
	[HC_IDX(HC_VM_WRITE_PROTECT_PAGE)] = { true, 0 },
	[HC_IDX(HC_SETUP_SBUF)] = { true, 0 },
	[HC_IDX(HC_SET_PTDEV_INTR_INFO)] = { true, 0 },
	[HC_IDX(HC_RESET_PTDEV_INTR_INFO)] = { true, 0 },
	[HC_IDX(HC_ASSIGN_PCIDEV)] = { true, 0 },
	[HC_IDX(HC_DEASSIGN_PCIDEV)] = { true, 0 },
	[HC_IDX(HC_ASSIGN_MMIODEV)] = { true, 0 },
	[HC_IDX(HC_DEASSIGN_MMIODEV)] = { true, 0 },
	[HC_IDX(HC_ADD_VDEV)] = { true, 0 },
	[HC_IDX(HC_REMOVE_VDEV)] = { true, 0 },
	[HC_IDX(HC_ASSIGN_PIO_REGION)] = { true, 0 },
	[HC_IDX(HC_DEASSIGN_PIO_REGION)] = { true, 0 },
	[HC_IDX(HC_SETUP_HV_NPK_LOG)] = { true, 0 },
	[HC_IDX(HC_PROFILING_OPS)] = { true, 0 },
	[HC_IDX(HC_GET_HW_INFO)] = { true, 0 },
	[HC_IDX(HC_INITIALIZE_TRUSTY)] = { true, GUEST_FLAG_SECURE_WORLD_ENABLED },
	[HC_IDX(HC_WORLD_SWITCH)] = { true, GUEST_FLAG_SECURE_WORLD_ENABLED },
	[HC_IDX(HC_SAVE_RESTORE_SWORLD_CTX)] = { true, GUEST_FLAG_SECURE_WORLD_ENABLED },
	[HC_IDX(HC_PM_GET_CPU_STATE)] = { true, 0 },
	[HC_IDX(HC_TEE_VCPU_BOOT_DONE)] = { true, GUEST_FLAG_TEE },
	[HC_IDX(HC_SWITCH_EE)] = { true, GUEST_FLAG_TEE | GUEST_FLAG_REE },
};

/* The scenario format has no guest flags yet: every VM has none. */
static uint64_t guest_flags(const struct vm *vm)
{
	(void)vm;
	return 0;
}

static bool is_service_vm(const struct vm *vm)
{
	return vm->cfg->load_order == LOAD_SERVICE && !(guest_flags(vm) & GUEST_FLAG_REE);
}

bool hypercall_vm_allowed(const struct vm *vm)
{
	return vm->cfg->load_order == LOAD_SERVICE ||
	       (guest_flags(vm) &
	        (GUEST_FLAG_SECURE_WORLD_ENABLED | GUEST_FLAG_TEE | GUEST_FLAG_REE));
}

static const struct hc_rule *rule_of(uint64_t id)
{
	/*
	 * ACRN indexes its table with the low byte alone; we also want the rest
	 * of the word to be 0x800000, so a stray value is not taken for a call.
	 */
	if ((id & ~0xFFULL) != BASE_HC_ID(HC_ID, 0ULL) || HC_IDX(id) >= ARRAY_SIZE(hc_rules) ||
	    !hc_rules[HC_IDX(id)].known)
		return NULL;
	return &hc_rules[HC_IDX(id)];
}

static struct spinlock hc_mgmt_lock = SPINLOCK_INIT;

void hc_lock(void)
{
	spin_lock(&hc_mgmt_lock);
}

void hc_unlock(void)
{
	spin_unlock(&hc_mgmt_lock);
}

/* Copy from the caller's guest-physical memory; the guest may change it meanwhile. */
int hc_copy_from_gpa(struct vm *vm, void *dst, uint64_t gpa, size_t len)
{
	const void *src = vm_gpa_to_hva(vm, gpa, len);

	if (!src)
		return -EINVAL;
	memcpy(dst, src, len);
	return 0;
}

int hc_copy_to_gpa(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	void *dst = vm_gpa_to_hva(vm, gpa, len);

	if (!dst)
		return -EINVAL;
	memcpy(dst, src, len);
	return 0;
}

/*
 * The VM a Service VM call acts on, or NULL: per-VM calls carry an id
 * relative to the Service VM, in p1 unless the call packs it elsewhere.
 */
static struct vm *target_of(struct vm *service, uint64_t id, uint64_t p1)
{
	struct set_regions regions;
	uint16_t rel, abs;

	switch (id) {
	case HC_GET_API_VERSION:
	case HC_SERVICE_VM_OFFLINE_CPU:
	case HC_SET_CALLBACK_VECTOR:
	case HC_SETUP_HV_NPK_LOG:
	case HC_PROFILING_OPS:
	case HC_GET_HW_INFO:
		return service;
	case HC_PM_GET_CPU_STATE:
		rel = (uint16_t)((p1 & PMCMD_VMID_MASK) >> PMCMD_VMID_SHIFT);
		break;
	case HC_VM_SET_MEMORY_REGIONS:
		if (hc_copy_from_gpa(service, &regions, p1, sizeof(regions)))
			return NULL;
		rel = regions.vmid;
		break;
	default:
		rel = (uint16_t)p1;
		break;
	}
	abs = (uint16_t)(service->id + rel);
	return abs < nr_vms ? &vms[abs] : NULL;
}

static int64_t get_api_version(struct vm *vm, uint64_t gpa)
{
	const struct hc_api_version ver = {
		.major_version = HV_API_MAJOR_VERSION,
		.minor_version = HV_API_MINOR_VERSION,
	};

	return hc_copy_to_gpa(vm, gpa, &ver, sizeof(ver));
}

int64_t hypercall_dispatch(struct vcpu *v, uint64_t id, uint64_t p1, uint64_t p2)
{
	return hypercall_dispatch_vm(v->vm, id, p1, p2);
}

/* Calls that act on the caller itself rather than on a post-launched VM. */
static bool acts_on_caller(uint64_t id)
{
	switch (id) {
	case HC_GET_API_VERSION:
	case HC_SERVICE_VM_OFFLINE_CPU:
	case HC_SET_CALLBACK_VECTOR:
	case HC_SETUP_HV_NPK_LOG:
	case HC_PROFILING_OPS:
	case HC_GET_HW_INFO:
		return true;
	default:
		return false;
	}
}

static int64_t dispatch_vm_call(struct vm *service, struct vm *t, uint64_t id, uint64_t p1,
                                uint64_t p2)
{
	switch (id) {
	case HC_DESTROY_VM:
		return hc_destroy_vm(t);
	case HC_START_VM:
		return hc_start_vm(t);
	case HC_PAUSE_VM:
		return hc_pause_vm(t);
	case HC_RESET_VM:
		return hc_reset_vm(t);
	case HC_CREATE_VCPU:
		return 0; /* ACRN v3.3: vCPUs come with CREATE_VM; kept for the ABI */
	case HC_SET_VCPU_REGS:
		return hc_set_vcpu_regs(service, t, p2);
	case HC_VM_SET_MEMORY_REGIONS:
		return hc_set_memory_regions(service, t, p1);
	case HC_VM_GPA2HPA:
		return hc_gpa2hpa(service, t, p2);
	case HC_SET_IOREQ_BUFFER:
		return hc_set_ioreq_buffer(service, t, p2);
	case HC_NOTIFY_REQUEST_FINISH:
		return hc_notify_request_finish(t, p2);
	case HC_SET_IRQLINE:
		return hc_set_irqline(t, p2);
	case HC_INJECT_MSI:
		return hc_inject_msi(service, t, p2);
	case HC_ASYNCIO_ASSIGN:
	case HC_ASYNCIO_DEASSIGN:
		return hc_asyncio_assign(service, t, p2, id == HC_ASYNCIO_ASSIGN);
	case HC_SETUP_SBUF:
		return hc_setup_sbuf(service, t, p2);
	default:
		/* Passthrough, write protection, PM, the interrupt monitor: not provided. */
		return -ENOSYS;
	}
}

int64_t hypercall_dispatch_vm(struct vm *vm, uint64_t id, uint64_t p1, uint64_t p2)
{
	const struct hc_rule *rule = rule_of(id);
	struct vm *target = NULL;

	if (!rule)
		return -ENOTTY;
	if (rule->flags) {
		if (!(guest_flags(vm) & rule->flags))
			return -ENOTTY;
		/* Trusty and TEE/REE world switches: no such VMs in this tree yet. */
		return -ENOSYS;
	}
	if (!is_service_vm(vm))
		return -ENOTTY;
	/* CREATE_VM picks its VM by the name in its argument: that is the handler's job. */
	if (id != HC_CREATE_VM) {
		target = target_of(vm, id, p1);
		if (!target || target->cfg->load_order == LOAD_PRE_LAUNCHED)
			return -ENOTTY;
	}
	switch (id) {
	case HC_GET_API_VERSION:
		return get_api_version(vm, p1);
	case HC_SET_CALLBACK_VECTOR:
		return vm_arch_set_upcall_vector(vm, p1);
	case HC_CREATE_VM:
		return hc_create_vm(vm, p1);
	default:
		break;
	}
	if (acts_on_caller(id))
		return -ENOSYS;
	/* Our Service VM manages post-launched VMs only, and only ones that exist. */
	if (target->cfg->load_order != LOAD_POST_LAUNCHED || !target->created)
		return -EINVAL;
	return dispatch_vm_call(vm, target, id, p1, p2);
}
