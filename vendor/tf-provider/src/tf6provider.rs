// This file is part of the tf-provider project
//
// Copyright (C) ANEO, 2024-2024. All rights reserved.
//
// Licensed under the Apache License, Version 2.0 (the "License")
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

//! Implementation of TF gRPC services for the version 6 of the protocol

use std::fmt::Write;
use std::sync::Arc;

use crate::attribute_path::AttributePathStep;
use crate::diagnostics::Diagnostics;
use crate::raw::RawValue;
use crate::server::Server;
use crate::tfplugin6 as tf;
use crate::utils::{CollectDiagnostics, OptionExpand};

/// A server-streaming answer.
type Stream<T> = std::pin::Pin<Box<dyn futures::Stream<Item = Result<T, tonic::Status>> + Send>>;

/// trdr: the identity (protocol 6.9) of the object `state` describes, when the resource has an
/// identity and the state is not null.
fn identity_of(
    server: &Server,
    diags: &mut Diagnostics,
    type_name: &str,
    state: Option<&RawValue>,
) -> Option<tf::ResourceIdentityData> {
    let state = state.filter(|s| !s.is_null())?;
    server.identities.get(type_name)?;
    let (resource, _) = server.resources.get(type_name)?;
    let identity = resource.identity(diags, state)?;
    Some(tf::ResourceIdentityData {
        identity_data: Some(identity.into()),
    })
}

fn unimplemented(rpc: &str) -> tonic::Status {
    tonic::Status::unimplemented(format!("{rpc} is not served by this provider"))
}

#[tonic::async_trait]
impl tf::provider_server::Provider for Arc<Server> {
    async fn get_metadata(
        &self,
        _request: tonic::Request<tf::get_metadata::Request>,
    ) -> std::result::Result<tonic::Response<tf::get_metadata::Response>, tonic::Status> {
        let resources = self
            .resources
            .keys()
            .map(|name| tf::get_metadata::ResourceMetadata {
                type_name: name.clone(),
            })
            .collect();
        let data_sources = self
            .data_sources
            .keys()
            .map(|name| tf::get_metadata::DataSourceMetadata {
                type_name: name.clone(),
            })
            .collect();
        let functions = self
            .functions
            .keys()
            .map(|name| tf::get_metadata::FunctionMetadata { name: name.clone() })
            .collect();
        let actions = self
            .actions
            .keys()
            .map(|name| tf::get_metadata::ActionMetadata {
                type_name: name.clone(),
            })
            .collect();
        let list_resources = self
            .list_schemas
            .keys()
            .map(|name| tf::get_metadata::ListResourceMetadata {
                type_name: name.clone(),
            })
            .collect();
        Ok(tonic::Response::new(tf::get_metadata::Response {
            actions,
            list_resources,
            server_capabilities: Some(tf::ServerCapabilities {
                plan_destroy: true,
                get_provider_schema_optional: false,
                move_resource_state: false,
                ..Default::default()
            }),
            diagnostics: self.init_diags.clone().into(),
            data_sources,
            resources,
            functions,
            ..Default::default()
        }))
    }
    async fn get_provider_schema(
        &self,
        _request: tonic::Request<tf::get_provider_schema::Request>,
    ) -> Result<tonic::Response<tf::get_provider_schema::Response>, tonic::Status> {
        let schema = self.schema.as_ref().map(Into::into);
        let meta_schema = self.meta_schema.as_ref().map(Into::into);
        let resources = self
            .resources
            .iter()
            .map(|(name, (_, schema))| (name.clone(), schema.into()))
            .collect();
        let data_sources = self
            .data_sources
            .iter()
            .map(|(name, (_, schema))| (name.clone(), schema.into()))
            .collect();
        let functions = self
            .functions
            .iter()
            .map(|(name, (_, schema))| (name.clone(), schema.into()))
            .collect();

        let action_schemas = self
            .actions
            .iter()
            .map(|(name, (_, schema))| {
                (
                    name.clone(),
                    tf::ActionSchema {
                        schema: Some(schema.into()),
                    },
                )
            })
            .collect();
        let list_resource_schemas = self
            .list_schemas
            .iter()
            .map(|(name, schema)| (name.clone(), schema.into()))
            .collect();
        Ok(tonic::Response::new(tf::get_provider_schema::Response {
            action_schemas,
            list_resource_schemas,
            provider: schema,
            resource_schemas: resources,
            data_source_schemas: data_sources,
            diagnostics: self.init_diags.clone().into(),
            provider_meta: meta_schema,
            server_capabilities: Some(tf::ServerCapabilities {
                plan_destroy: true,
                get_provider_schema_optional: false,
                move_resource_state: false,
                ..Default::default()
            }),
            functions,
            ..Default::default()
        }))
    }
    async fn validate_provider_config(
        &self,
        request: tonic::Request<tf::validate_provider_config::Request>,
    ) -> Result<tonic::Response<tf::validate_provider_config::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        _ = if let Some(config) = request.config {
            self.provider.validate(&mut diags, config.into()).await
        } else {
            None
        }
        .ok_or_else(|| diags.internal_error());

        Ok(tonic::Response::new(
            tf::validate_provider_config::Response {
                diagnostics: diags.into(),
            },
        ))
    }
    async fn validate_resource_config(
        &self,
        request: tonic::Request<tf::validate_resource_config::Request>,
    ) -> Result<tonic::Response<tf::validate_resource_config::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        _ = if let (Some(resource), Some(config)) = (
            self.get_resource(&mut diags, &request.type_name),
            request.config,
        ) {
            resource.validate(&mut diags, config.into()).await
        } else {
            None
        }
        .ok_or_else(|| diags.internal_error());

        Ok(tonic::Response::new(
            tf::validate_resource_config::Response {
                diagnostics: diags.into(),
            },
        ))
    }
    async fn validate_data_resource_config(
        &self,
        request: tonic::Request<tf::validate_data_resource_config::Request>,
    ) -> Result<tonic::Response<tf::validate_data_resource_config::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        _ = if let (Some(data_source), Some(config)) = (
            self.get_data_source(&mut diags, &request.type_name),
            request.config,
        ) {
            data_source.validate(&mut diags, config.into()).await
        } else {
            None
        }
        .ok_or_else(|| diags.internal_error());

        Ok(tonic::Response::new(
            tf::validate_data_resource_config::Response {
                diagnostics: diags.into(),
            },
        ))
    }
    async fn upgrade_resource_state(
        &self,
        request: tonic::Request<tf::upgrade_resource_state::Request>,
    ) -> Result<tonic::Response<tf::upgrade_resource_state::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        let upgraded_state = if let (Some((resource, schema)), Some(raw_state)) =
            (self.resources.get(&request.type_name), request.raw_state)
        {
            if raw_state.json.is_empty() {
                diags.root_error_short("Upgrading from a legacy state is not supported");
                None
            } else {
                let json = RawValue::Json(raw_state.json);
                if request.version == schema.version {
                    Some(json)
                } else {
                    resource.upgrade(&mut diags, request.version, json).await
                }
            }
        } else {
            None
        }
        .collect_diagnostics(&mut diags);

        Ok(tonic::Response::new(tf::upgrade_resource_state::Response {
            diagnostics: diags.into(),
            upgraded_state: upgraded_state.map(Into::into),
        }))
    }
    /// ////// One-time initialization, called before other functions below
    async fn configure_provider(
        &self,
        request: tonic::Request<tf::configure_provider::Request>,
    ) -> Result<tonic::Response<tf::configure_provider::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        if let Some(config) = request.config {
            if self
                .provider
                .configure(&mut diags, request.terraform_version, config.into())
                .await
                .is_none()
            {
                diags.internal_error();
            }
        }

        Ok(tonic::Response::new(tf::configure_provider::Response {
            diagnostics: diags.into(),
        }))
    }
    /// ////// Managed Resource Lifecycle
    async fn read_resource(
        &self,
        request: tonic::Request<tf::read_resource::Request>,
    ) -> Result<tonic::Response<tf::read_resource::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        let (state, private_state) =
            if let (Some(resource), Some(state), Some(provider_meta_state)) = (
                self.get_resource(&mut diags, &request.type_name),
                request.current_state,
                request.provider_meta,
            ) {
                resource
                    .read(
                        &mut diags,
                        state.into(),
                        request.private,
                        provider_meta_state.into(),
                    )
                    .await
            } else {
                None
            }
            .expand();

        let new_identity = identity_of(self, &mut diags, &request.type_name, state.as_ref());
        Ok(tonic::Response::new(tf::read_resource::Response {
            new_state: state.map(Into::into),
            diagnostics: diags.into(),
            private: private_state.unwrap_or_default(),
            new_identity,
            ..Default::default()
        }))
    }
    async fn plan_resource_change(
        &self,
        request: tonic::Request<tf::plan_resource_change::Request>,
    ) -> Result<tonic::Response<tf::plan_resource_change::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        let (state, private_state, triggers) = if let (
            Some(resource),
            Some(prior_state),
            Some(proposed_state),
            Some(config_state),
            Some(provider_meta_state),
        ) = (
            self.get_resource(&mut diags, &request.type_name),
            request.prior_state,
            request.proposed_new_state,
            request.config,
            request.provider_meta,
        ) {
            let prior_state = RawValue::from(prior_state);
            let proposed_state = RawValue::from(proposed_state);
            let config_state = RawValue::from(config_state);

            match (
                prior_state.is_null(),
                proposed_state.is_null(),
                config_state.is_null(),
            ) {
                (false, false, false) => {
                    resource
                        .plan_update(
                            &mut diags,
                            prior_state,
                            proposed_state,
                            config_state,
                            request.prior_private,
                            provider_meta_state.into(),
                        )
                        .await
                }
                (false, true, true) => {
                    let planned_private = resource
                        .plan_destroy(
                            &mut diags,
                            prior_state,
                            request.prior_private,
                            provider_meta_state.into(),
                        )
                        .await;
                    Some((
                        Default::default(),
                        planned_private.unwrap_or_default(),
                        vec![],
                    ))
                }
                (true, false, false) => {
                    if let Some((state, private_state)) = resource
                        .plan_create(
                            &mut diags,
                            proposed_state,
                            config_state,
                            provider_meta_state.into(),
                        )
                        .await
                    {
                        Some((state, private_state, vec![]))
                    } else {
                        None
                    }
                }
                _ => {
                    diags.root_error_short("Resource is planned both for creation and deletion");
                    None
                }
            }
        } else {
            None
        }
        .map(|(state, private_state, triggers)| {
            let identity = identity_of(self, &mut diags, &request.type_name, Some(&state));
            (
                (state.into(), identity),
                private_state,
                triggers.into_iter().map(|attr| attr.into()).collect(),
            )
        })
        .collect_diagnostics(&mut diags)
        .expand();
        let (state, planned_identity) = state.unzip();

        Ok(tonic::Response::new(tf::plan_resource_change::Response {
            planned_state: state,
            planned_identity: planned_identity.flatten(),
            requires_replace: triggers.unwrap_or_default(),
            planned_private: private_state.unwrap_or_default(),
            diagnostics: diags.into(),
            legacy_type_system: false,
            ..Default::default()
        }))
    }
    async fn apply_resource_change(
        &self,
        request: tonic::Request<tf::apply_resource_change::Request>,
    ) -> Result<tonic::Response<tf::apply_resource_change::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        let (state, private_state) = if let (
            Some(resource),
            Some(prior_state),
            Some(planned_state),
            Some(config_state),
            Some(provider_meta_state),
        ) = (
            self.get_resource(&mut diags, &request.type_name),
            request.prior_state,
            request.planned_state,
            request.config,
            request.provider_meta,
        ) {
            let prior_state = RawValue::from(prior_state);
            let planned_state = RawValue::from(planned_state);
            let config_state = RawValue::from(config_state);

            match (
                prior_state.is_null(),
                planned_state.is_null(),
                config_state.is_null(),
            ) {
                (false, false, false) => {
                    resource
                        .update(
                            &mut diags,
                            prior_state,
                            planned_state,
                            config_state,
                            request.planned_private,
                            provider_meta_state.into(),
                        )
                        .await
                }
                (false, true, true) => {
                    resource
                        .destroy(
                            &mut diags,
                            prior_state,
                            request.planned_private,
                            provider_meta_state.into(),
                        )
                        .await;
                    Some((Default::default(), vec![]))
                }
                (true, false, false) => {
                    resource
                        .create(
                            &mut diags,
                            planned_state,
                            config_state,
                            request.planned_private,
                            provider_meta_state.into(),
                        )
                        .await
                }
                _ => {
                    diags.root_error_short("Resource is marked both for creation and deletion");
                    None
                }
            }
        } else {
            None
        }
        .collect_diagnostics(&mut diags)
        .expand();

        let new_identity = identity_of(self, &mut diags, &request.type_name, state.as_ref());
        Ok(tonic::Response::new(tf::apply_resource_change::Response {
            new_identity,
            new_state: state.map(Into::into),
            private: private_state.unwrap_or_default(),
            diagnostics: diags.into(),
            legacy_type_system: false,
            ..Default::default()
        }))
    }
    async fn import_resource_state(
        &self,
        request: tonic::Request<tf::import_resource_state::Request>,
    ) -> Result<tonic::Response<tf::import_resource_state::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        // trdr: an import block with an identity (protocol 6.9) sends it instead of an id.
        let by_identity = request
            .identity
            .and_then(|i| i.identity_data)
            .map(RawValue::from)
            .filter(|i| !i.is_null());
        let imported = match (self.get_resource(&mut diags, &request.type_name), by_identity) {
            (Some(resource), Some(identity)) => {
                resource.import_by_identity(&mut diags, identity).await
            }
            (Some(resource), None) => resource.import(&mut diags, request.id).await,
            (None, _) => None,
        }
        .collect_diagnostics(&mut diags)
        .map(|(state, private_state)| {
            let identity = identity_of(self, &mut diags, &request.type_name, Some(&state));
            tf::import_resource_state::ImportedResource {
                type_name: request.type_name.clone(),
                state: Some(state.into()),
                private: private_state,
                identity,
            }
        });

        Ok(tonic::Response::new(tf::import_resource_state::Response {
            imported_resources: imported.into_iter().collect(),
            diagnostics: diags.into(),
            ..Default::default()
        }))
    }

    async fn move_resource_state(
        &self,
        _request: tonic::Request<tf::move_resource_state::Request>,
    ) -> std::result::Result<tonic::Response<tf::move_resource_state::Response>, tonic::Status>
    {
        let mut diags = Diagnostics::default();
        diags.root_error_short("MoveResourceState is not implemented");
        Ok(tonic::Response::new(tf::move_resource_state::Response {
            diagnostics: diags.into(),
            target_private: vec![],
            target_state: None,
            ..Default::default()
        }))
    }
    async fn read_data_source(
        &self,
        request: tonic::Request<tf::read_data_source::Request>,
    ) -> Result<tonic::Response<tf::read_data_source::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        let state = if let (Some(data_source), Some(config), Some(provider_meta_state)) = (
            self.get_data_source(&mut diags, &request.type_name),
            request.config,
            request.provider_meta,
        ) {
            data_source
                .read(&mut diags, config.into(), provider_meta_state.into())
                .await
        } else {
            None
        }
        .collect_diagnostics(&mut diags);

        Ok(tonic::Response::new(tf::read_data_source::Response {
            state: state.map(Into::into),
            diagnostics: diags.into(),
            ..Default::default()
        }))
    }
    async fn get_functions(
        &self,
        _request: tonic::Request<tf::get_functions::Request>,
    ) -> std::result::Result<tonic::Response<tf::get_functions::Response>, tonic::Status> {
        let functions = self
            .functions
            .iter()
            .map(|(name, (_, schema))| (name.clone(), schema.into()))
            .collect();
        Ok(tonic::Response::new(tf::get_functions::Response {
            diagnostics: self.init_diags.clone().into(),
            functions,
        }))
    }
    async fn call_function(
        &self,
        request: tonic::Request<tf::call_function::Request>,
    ) -> std::result::Result<tonic::Response<tf::call_function::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();

        let result = if let Some(function) = self.get_function(&mut diags, &request.name) {
            function
                .call(
                    &mut diags,
                    request.arguments.into_iter().map(Into::into).collect(),
                )
                .await
        } else {
            None
        }
        .collect_diagnostics(&mut diags);

        #[derive(Debug, Clone, Copy)]
        enum Index {
            None,
            Mixed,
            Unique(i64),
        }

        // Check if all diagnostics have the same index, if any
        let mut idx = Index::None;
        for diag in [&diags.errors, &diags.warnings].into_iter().flatten() {
            match (idx, diag.attribute.steps.as_slice()) {
                (Index::None, [AttributePathStep::Index(j)]) => {
                    idx = Index::Unique(*j);
                }
                (Index::Unique(i), [AttributePathStep::Index(j)]) if i == *j => (),
                _ => {
                    idx = Index::Mixed;
                }
            }
        }

        if diags.errors.is_empty() && !diags.warnings.is_empty() {
            diags.root_error_short("Function has emitted warnings");
        }

        // Format error message
        let (result, error) = if diags.errors.is_empty() {
            (result, None)
        } else {
            let mut message = String::new();
            let has_warnings = !diags.warnings.is_empty();
            for (diags, warning) in [(&diags.errors, false), (&diags.warnings, true)].into_iter() {
                let prefix = match (warning, has_warnings) {
                    (true, _) => "Warning: ",
                    (false, true) => "Error: ",
                    (false, false) => "",
                };

                for diag in diags {
                    if !message.is_empty() {
                        _ = writeln!(&mut message);
                    }
                    _ = write!(&mut message, "{prefix}");

                    if let (Index::None | Index::Mixed, [AttributePathStep::Index(j)]) =
                        (idx, diag.attribute.steps.as_slice())
                    {
                        _ = write!(&mut message, "Argument #{}: ", *j + 1);
                    };
                    _ = write!(&mut message, "{}", diag.summary);
                    if !diag.detail.is_empty() {
                        _ = write!(&mut message, "\n  {}", diag.detail);
                    }
                }
            }

            (
                None,
                Some(tf::FunctionError {
                    text: message,
                    function_argument: if let Index::Unique(i) = idx {
                        Some(i)
                    } else {
                        None
                    },
                }),
            )
        };

        Ok(tonic::Response::new(tf::call_function::Response {
            error,
            result: result.map(Into::into),
        }))
    }

    // trdr: the RPCs of protocol 6.6 to 6.10 this provider does not serve answer as gRPC says
    // for a method it does not implement; Terraform treats that as the feature being absent.
    // trdr: resource identity (protocol 6.9).
    async fn get_resource_identity_schemas(
        &self,
        _request: tonic::Request<tf::get_resource_identity_schemas::Request>,
    ) -> Result<tonic::Response<tf::get_resource_identity_schemas::Response>, tonic::Status> {
        let identity_schemas = self
            .identities
            .iter()
            .map(|(name, schema)| (name.clone(), schema.into()))
            .collect();
        Ok(tonic::Response::new(
            tf::get_resource_identity_schemas::Response {
                identity_schemas,
                diagnostics: self.init_diags.clone().into(),
            },
        ))
    }
    async fn upgrade_resource_identity(
        &self,
        request: tonic::Request<tf::upgrade_resource_identity::Request>,
    ) -> Result<tonic::Response<tf::upgrade_resource_identity::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let upgraded = match (
            self.get_resource(&mut diags, &request.type_name),
            self.identities.get(&request.type_name),
            request.raw_identity,
        ) {
            (Some(_), None, _) => {
                diags.root_error_short(format!("{} has no identity", request.type_name));
                None
            }
            (Some(resource), Some(schema), Some(raw)) if !raw.json.is_empty() => {
                let json = RawValue::Json(raw.json);
                if request.version == schema.version {
                    Some(json)
                } else {
                    resource
                        .upgrade_identity(&mut diags, request.version, json)
                        .await
                }
            }
            (Some(_), Some(_), _) => {
                diags.root_error_short("Upgrading an identity without its JSON is not supported");
                None
            }
            (None, _, _) => None,
        }
        .collect_diagnostics(&mut diags);
        Ok(tonic::Response::new(
            tf::upgrade_resource_identity::Response {
                upgraded_identity: upgraded.map(|i| tf::ResourceIdentityData {
                    identity_data: Some(i.into()),
                }),
                diagnostics: diags.into(),
            },
        ))
    }
    async fn generate_resource_config(
        &self,
        _request: tonic::Request<tf::generate_resource_config::Request>,
    ) -> Result<tonic::Response<tf::generate_resource_config::Response>, tonic::Status> {
        Err(unimplemented("GenerateResourceConfig"))
    }
    async fn validate_ephemeral_resource_config(
        &self,
        _request: tonic::Request<tf::validate_ephemeral_resource_config::Request>,
    ) -> Result<tonic::Response<tf::validate_ephemeral_resource_config::Response>, tonic::Status> {
        Err(unimplemented("ValidateEphemeralResourceConfig"))
    }
    async fn open_ephemeral_resource(
        &self,
        _request: tonic::Request<tf::open_ephemeral_resource::Request>,
    ) -> Result<tonic::Response<tf::open_ephemeral_resource::Response>, tonic::Status> {
        Err(unimplemented("OpenEphemeralResource"))
    }
    async fn renew_ephemeral_resource(
        &self,
        _request: tonic::Request<tf::renew_ephemeral_resource::Request>,
    ) -> Result<tonic::Response<tf::renew_ephemeral_resource::Response>, tonic::Status> {
        Err(unimplemented("RenewEphemeralResource"))
    }
    async fn close_ephemeral_resource(
        &self,
        _request: tonic::Request<tf::close_ephemeral_resource::Request>,
    ) -> Result<tonic::Response<tf::close_ephemeral_resource::Response>, tonic::Status> {
        Err(unimplemented("CloseEphemeralResource"))
    }
    // trdr: list resources (protocol 6.10, `terraform query`).
    type ListResourceStream = Stream<tf::list_resource::Event>;
    async fn list_resource(
        &self,
        request: tonic::Request<tf::list_resource::Request>,
    ) -> Result<tonic::Response<Self::ListResourceStream>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let found = match (
            self.get_resource(&mut diags, &request.type_name),
            self.list_schemas.contains_key(&request.type_name),
            request.config,
        ) {
            (Some(resource), true, Some(config)) => {
                let limit = request.limit.max(0);
                let mut found = resource
                    .list(&mut diags, config.into(), request.include_resource_object, limit)
                    .await;
                found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
                found
            }
            (Some(_), false, _) => {
                diags.root_error_short(format!("{} cannot be listed", request.type_name));
                vec![]
            }
            (Some(_), true, None) => {
                diags.root_error_short("ListResource without a configuration");
                vec![]
            }
            (None, _, _) => vec![],
        };
        let include = request.include_resource_object;
        let mut events: Vec<Result<tf::list_resource::Event, tonic::Status>> = found
            .into_iter()
            .map(|found| {
                Ok(tf::list_resource::Event {
                    identity: Some(tf::ResourceIdentityData {
                        identity_data: Some(found.identity.into()),
                    }),
                    display_name: found.display_name,
                    resource_object: found.state.filter(|_| include).map(Into::into),
                    diagnostic: vec![],
                })
            })
            .collect();
        // The list's warnings and errors come last, in an event of their own.
        if !diags.errors.is_empty() || !diags.warnings.is_empty() {
            events.push(Ok(tf::list_resource::Event {
                diagnostic: diags.into(),
                ..Default::default()
            }));
        }
        Ok(tonic::Response::new(Box::pin(futures::stream::iter(events))))
    }
    async fn validate_list_resource_config(
        &self,
        request: tonic::Request<tf::validate_list_resource_config::Request>,
    ) -> Result<tonic::Response<tf::validate_list_resource_config::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let (Some(resource), Some(config)) = (
            self.get_resource(&mut diags, &request.type_name),
            request.config,
        ) {
            if resource.validate_list(&mut diags, config.into()).await.is_none() {
                diags.internal_error();
            }
        }
        Ok(tonic::Response::new(
            tf::validate_list_resource_config::Response {
                diagnostics: diags.into(),
            },
        ))
    }
    async fn validate_state_store_config(
        &self,
        _request: tonic::Request<tf::validate_state_store::Request>,
    ) -> Result<tonic::Response<tf::validate_state_store::Response>, tonic::Status> {
        Err(unimplemented("ValidateStateStoreConfig"))
    }
    async fn configure_state_store(
        &self,
        _request: tonic::Request<tf::configure_state_store::Request>,
    ) -> Result<tonic::Response<tf::configure_state_store::Response>, tonic::Status> {
        Err(unimplemented("ConfigureStateStore"))
    }
    type ReadStateBytesStream = Stream<tf::read_state_bytes::Response>;
    async fn read_state_bytes(
        &self,
        _request: tonic::Request<tf::read_state_bytes::Request>,
    ) -> Result<tonic::Response<Self::ReadStateBytesStream>, tonic::Status> {
        Err(unimplemented("ReadStateBytes"))
    }
    async fn write_state_bytes(
        &self,
        _request: tonic::Request<tonic::Streaming<tf::write_state_bytes::RequestChunk>>,
    ) -> Result<tonic::Response<tf::write_state_bytes::Response>, tonic::Status> {
        Err(unimplemented("WriteStateBytes"))
    }
    async fn lock_state(
        &self,
        _request: tonic::Request<tf::lock_state::Request>,
    ) -> Result<tonic::Response<tf::lock_state::Response>, tonic::Status> {
        Err(unimplemented("LockState"))
    }
    async fn unlock_state(
        &self,
        _request: tonic::Request<tf::unlock_state::Request>,
    ) -> Result<tonic::Response<tf::unlock_state::Response>, tonic::Status> {
        Err(unimplemented("UnlockState"))
    }
    async fn get_states(
        &self,
        _request: tonic::Request<tf::get_states::Request>,
    ) -> Result<tonic::Response<tf::get_states::Response>, tonic::Status> {
        Err(unimplemented("GetStates"))
    }
    async fn delete_state(
        &self,
        _request: tonic::Request<tf::delete_state::Request>,
    ) -> Result<tonic::Response<tf::delete_state::Response>, tonic::Status> {
        Err(unimplemented("DeleteState"))
    }
    // trdr: actions (protocol 6.10, see NOTICE).
    async fn validate_action_config(
        &self,
        request: tonic::Request<tf::validate_action_config::Request>,
    ) -> Result<tonic::Response<tf::validate_action_config::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let (Some(action), Some(config)) = (
            self.get_action(&mut diags, &request.type_name),
            request.config,
        ) {
            if action.validate(&mut diags, config.into()).await.is_none() {
                diags.internal_error();
            }
        }
        Ok(tonic::Response::new(tf::validate_action_config::Response {
            diagnostics: diags.into(),
        }))
    }
    async fn plan_action(
        &self,
        request: tonic::Request<tf::plan_action::Request>,
    ) -> Result<tonic::Response<tf::plan_action::Response>, tonic::Status> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let (Some(action), Some(config)) = (
            self.get_action(&mut diags, &request.action_type),
            request.config,
        ) {
            if action.plan(&mut diags, config.into()).await.is_none() {
                diags.internal_error();
            }
        }
        Ok(tonic::Response::new(tf::plan_action::Response {
            diagnostics: diags.into(),
            deferred: None,
        }))
    }
    type InvokeActionStream = Stream<tf::invoke_action::Event>;
    async fn invoke_action(
        &self,
        request: tonic::Request<tf::invoke_action::Request>,
    ) -> Result<tonic::Response<Self::InvokeActionStream>, tonic::Status> {
        use tf::invoke_action::event::{Completed, Progress, Type};
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let action = self.get_action(&mut diags, &request.action_type).cloned();
        let (progress, mut messages) = tokio::sync::mpsc::unbounded_channel::<String>();
        // The run goes on in its own task; its progress messages are events as they come, and
        // its diagnostics the last event.
        let run = tokio::spawn(async move {
            match (action, request.config) {
                (Some(action), Some(config)) => {
                    action.invoke(&mut diags, config.into(), progress).await
                }
                (Some(_), None) => diags.root_error_short("InvokeAction without a configuration"),
                (None, _) => {}
            }
            diags
        });
        let events = async_stream::stream! {
            while let Some(message) = messages.recv().await {
                yield Ok(tf::invoke_action::Event { r#type: Some(Type::Progress(Progress { message })) });
            }
            let diags = match run.await {
                Ok(diags) => diags,
                Err(e) => {
                    let mut d = Diagnostics::default();
                    d.root_error("The action ended abnormally", e.to_string());
                    d
                }
            };
            yield Ok(tf::invoke_action::Event { r#type: Some(Type::Completed(Completed { diagnostics: diags.into() })) });
        };
        Ok(tonic::Response::new(Box::pin(events)))
    }
    /// ////// Graceful Shutdown
    async fn stop_provider(
        &self,
        _request: tonic::Request<tf::stop_provider::Request>,
    ) -> Result<tonic::Response<tf::stop_provider::Response>, tonic::Status> {
        // trdr: tell the provider instead of shutting the server down (see NOTICE).
        self.provider.stop();

        Ok(tonic::Response::new(tf::stop_provider::Response {
            error: "".to_string(),
        }))
    }
}
