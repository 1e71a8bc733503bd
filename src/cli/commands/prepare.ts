import { Command } from 'commander';
import { log } from '../../log.js';
import { progressBus } from './shared.js';

export function prepareCommand(): Command {
  return new Command('prepare')
    .description('make sure the etcd and load-balancer images exist (build them from the host binaries where nothing can be pulled)')
    .option('--etcd-image <image>', 'use this etcd image instead of the built-in choice')
    .option('--pull', 'pull the image even if a local one exists')
    .action(async (flags: { etcdImage?: string; pull?: boolean }) => {
      const { prepareImages, snapshotTool } = await import('../../topology/image.js');
      const { etcd: image, loadBalancer: lb } = await prepareImages({ requested: flags.etcdImage, pull: flags.pull, events: progressBus() });
      log.info(`ready: ${image.ref} (etcd ${image.version}, snapshot tool ${snapshotTool(image)}), ${lb}`);
    });
}
