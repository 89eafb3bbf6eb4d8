"""Cross-domain messages and event subscriptions across the layers.

A contract on L2 sends a message to L1 by calling the VM's messenger address; the message is
recorded in the L2 world, committed by the source's claim on L1 (an optimistic output, a
sidechain checkpoint; on the ZK rollup it is a signed transaction of a verified batch,
:mod:`.zk`), and executed on L1 by the :class:`~.contracts.messenger.Messenger`
exactly once, after the source's finality, in order per sender; a failed execution can be
replayed by anyone. L1 sends back through the rollup's portal (``send_message``), the L2 callee
seeing the L1 sender's alias. Events of every layer reach one subscription API with the
finality each has reached.

The room's layout is every room's:

- :mod:`~prozchain.rollup.messages.contracts`: on L1, the messenger and example receivers;
- :mod:`~prozchain.rollup.messages.l2`: L2 contracts (VM assembly) that send messages, and
  :mod:`~prozchain.rollup.messages.zk` the ZK rollup's message transaction type;
- :mod:`~prozchain.rollup.messages.agents`: relayers, and a proposer forging a message;
- :mod:`~prozchain.rollup.messages.index` and :mod:`~prozchain.rollup.messages.events`: what a
  batch did (receipts, events, messages) and the subscription over every layer;
- :mod:`~prozchain.rollup.messages.system`: the wiring;
- :mod:`~prozchain.rollup.messages.scenarios`: ``message-*`` scenarios of ``prozchain scenario``;
- :mod:`~prozchain.rollup.messages.errors`: the room's errors.

>>> from prozchain.rollup.messages.message import Message
>>> Message(1, "0x" + "aa" * 20, "0x" + "bb" * 20, 0, "0x" + "cc" * 20, (0, 0, 0, 0), 1).nonce
0
"""
