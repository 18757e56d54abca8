import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/common';
import { ContractDocumentsController, DocumentContentController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { DOCUMENT_STORE, type DocumentStore } from './store/document-store';
import { FilesystemDocumentStore } from './store/filesystem.document-store';
import { S3DocumentStore } from './store/s3.document-store';

export function createDocumentStore(config: AppConfig['documents']): DocumentStore {
  switch (config.store) {
    case 'fs':
      return new FilesystemDocumentStore(config.dir);
    case 's3':
      if (!config.s3) throw new Error('DOCUMENT_STORE=s3 without S3 settings (loadConfig guarantees them)');
      return new S3DocumentStore(config.s3);
  }
}

/** Archived documents: the configured DocumentStore (filesystem or S3), their records, and their API. */
@Module({
  controllers: [ContractDocumentsController, DocumentContentController],
  providers: [
    {
      provide: DOCUMENT_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createDocumentStore(config.documents),
    },
    DocumentsService,
  ],
  exports: [DOCUMENT_STORE, DocumentsService],
})
export class DocumentsModule {}
