import Testing
@testable import Torch
@Test func smoke() { #expect(Tensor([1.0, 2.0]).numel == 2) }
