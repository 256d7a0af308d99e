import { Module } from '@nestjs/common';
import { AuditController } from '../audit/audit.controller';
import { BaselineEventsConsumer } from '../baselines/baseline-events.consumer';
import { GateController } from '../gate/gate.controller';
import { GateService } from '../gate/gate.service';
import { SlotProposer } from '../slots/slot-proposer';
import { ExplanationService } from '../windows/explanation.service';
import { WindowsController } from '../windows/windows.controller';
import { WindowsService } from '../windows/windows.service';
import { ZoneRulesCheck } from '../windows/zone-rules.check';
import { WindowAnnouncementBacklog } from './window-announcement-backlog';
import { HoldAnnouncer } from './hold-announcer';
import { HoldsController } from './holds.controller';
import { HoldsService } from './holds.service';
import { PlannerSweep } from './planner-sweep.service';
import { SurgeClearances } from './surge-clearances';
import { SurgeEventsConsumer } from './surge-events.consumer';

/** Windows and holds live together: a hold's fan-out and a window's plan read and write the same occurrences. */
@Module({
  controllers: [WindowsController, HoldsController, GateController, AuditController],
  providers: [HoldsService, HoldAnnouncer, WindowAnnouncementBacklog, WindowsService, ExplanationService, GateService, SlotProposer, SurgeEventsConsumer, SurgeClearances, BaselineEventsConsumer, PlannerSweep, ZoneRulesCheck],
  exports: [PlannerSweep, HoldsService],
})
export class HoldsModule {}
