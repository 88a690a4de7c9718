// The batched decode the engine is to call for many voices at once
// (`Decoder.decode(batch:latents:into:scratch:)`), run on the calling thread
// under the allocation hook: batches of 1 to 256, with every batch kernel this
// CPU runs, through each decoder given. Buffers are made before the hook goes
// on; nothing is run beforehand, so a first-call allocation would count.

import AutocoderModel
import MallocInterposerSwift
#if canImport(Glibc)
import Glibc
#endif

/// Heap allocations (and bytes) the calling thread made in batched decodes through `decoders`.
func batchedDecodeAllocations(_ decoders: [Decoder]) -> (count: Int, bytes: Int) {
    let batches = [1, 3, 8, 17, 64, 256]
    let largest = batches.max()!
    let runs = decoders.flatMap { decoder in
        [BatchKernel.portable, .avx2FMA].filter(\.isAvailable).map { kernel in
            Decoder(sharing: decoder, plan: decoder.plan.running(batchesWith: kernel), layout: decoder.layout)
        }
    }
    let buffers = runs.map { decoder in
        let latents = UnsafeMutablePointer<Float>.allocate(capacity: largest * decoder.latentCount)
        for i in 0..<largest * decoder.latentCount { latents[i] = Float(i % 11) / 10 }
        return (latents: latents,
                outputs: UnsafeMutablePointer<Float>.allocate(capacity: largest * decoder.outputCount),
                scratch: UnsafeMutablePointer<Float>.allocate(capacity: decoder.batchScratchCount(batch: largest)))
    }
    defer { for buffer in buffers { buffer.latents.deallocate(); buffer.outputs.deallocate(); buffer.scratch.deallocate() } }

    watchedThread = pthread_self()
    (watchedThreadAllocations, watchedThreadBytes) = (0, 0)
    MallocInterposerSwift.setAllocationHook(countWatchedThreadAllocations)
    MallocInterposerSwift.hook()
    for (decoder, buffer) in zip(runs, buffers) {
        for batch in batches {
            decoder.decode(batch: batch, latents: buffer.latents, into: buffer.outputs, scratch: buffer.scratch)
        }
    }
    MallocInterposerSwift.unhook()
    MallocInterposerSwift.setAllocationHook(nil)
    return (watchedThreadAllocations, watchedThreadBytes)
}
