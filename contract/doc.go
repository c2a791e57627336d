// Package contract is what a service needs to start vpcflow's workflows and
// read what they return: the task queue, a description of each workflow
// (its type name, workflow ID and start options), the inputs with their
// validation, the results, the progress query, and the error types a
// workflow fails with. It imports no cloud SDK and no activity code, so a
// service that imports it links only the Temporal SDK (a test checks it).
//
// JSON field names are stable and follow the cloud APIs' own parameter names
// (RegionId, RouterInterfaceId, DestinationCidrBlock, ...), so an input reads
// like the API call it leads to. Durations are strings such as "10m" or "90s".
//
//	in := contract.NetworkChangeInput{RegionId: "cn-hangzhou", ...}
//	if err := in.Validate(); err != nil { ... }  // every problem at once
//	run, err := c.ExecuteWorkflow(ctx, contract.NetworkChange.StartOptions(in), contract.NetworkChange.Type, in)
package contract
